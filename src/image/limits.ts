/**
 * Bounds on what a manifest may declare. The block-exchange decoder
 * (src/swarm/wire/) and the manifest decoder both enforce them.
 */

/** Smallest block size a manifest may declare */
export const MIN_BLOCK_SIZE = 16 * 1024
/** Largest block size a manifest may declare */
export const MAX_BLOCK_SIZE = 16 * 1024 * 1024
/** Most blocks an image may have (bitfield ≤ 128 KiB, manifest hashes ≤ 32 MiB) */
export const MAX_BLOCKS = 1 << 20
/** Largest manifest header (UTF-8 JSON) accepted */
export const MAX_MANIFEST_HEADER_BYTES = 64 * 1024
/** Bytes of one block hash (SHA-256) in a manifest */
export const BLOCK_HASH_BYTES = 32
/** Largest encoded manifest accepted (header + 32 bytes per block) */
export const MAX_MANIFEST_BYTES = MAX_MANIFEST_HEADER_BYTES + BLOCK_HASH_BYTES * MAX_BLOCKS

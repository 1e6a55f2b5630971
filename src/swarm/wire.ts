/**
 * The block-exchange wire protocol (spec: ./SPEC.md). One module: message
 * types, bounds, encoder and incremental decoder.
 *
 * TODO(helper): implement encode/createDecoder per SPEC.md.
 */
import { Uint8ArrayList } from 'uint8arraylist'

/** libp2p protocol id of the block exchange */
export const BLOCK_PROTOCOL = '/precache/blocks/1.0.0'

/** Smallest and largest block size a manifest may declare */
export const MIN_BLOCK_SIZE = 16 * 1024
export const MAX_BLOCK_SIZE = 16 * 1024 * 1024
/** Most blocks an image may have (bitfield ≤ 512 KiB, manifest hashes ≤ 128 MiB) */
export const MAX_BLOCKS = 1 << 22
/** Largest encoded manifest accepted (header + 32 bytes per block) */
export const MAX_MANIFEST_BYTES = 64 * 1024 + 32 * MAX_BLOCKS
/** Largest signature accepted */
export const MAX_SIGNATURE_BYTES = 512
/** Largest CID accepted in HELLO */
export const MAX_CID_BYTES = 128
/** Peer exchange bounds */
export const MAX_PEERS = 64
export const MAX_ADDRS_PER_PEER = 8
export const MAX_ADDR_BYTES = 256
export const MAX_PEER_ID_BYTES = 128

export type Message =
  /** first message on a stream, both directions: which manifest this stream is about */
  | { type: 'hello', manifestId: Uint8Array, seeder: boolean }
  /** ask the other side for the signed manifest */
  | { type: 'manifest-request' }
  /** the encoded manifest and the seeder's signature over it */
  | { type: 'manifest', manifest: Uint8Array, signature: Uint8Array }
  /** which blocks the sender holds; `bits` is ceil(count/8) bytes, MSB-first, spare bits zero */
  | { type: 'bitfield', count: number, bits: Uint8Array }
  /** the sender now holds block `index` */
  | { type: 'have', index: number }
  /** please send block `index` */
  | { type: 'request', index: number }
  /** no longer want block `index` */
  | { type: 'cancel', index: number }
  /** the bytes of block `index` */
  | { type: 'block', index: number, data: Uint8Array | Uint8ArrayList }
  /** the sender will not send block `index` (does not have it, or refuses) */
  | { type: 'reject', index: number }
  /** other nodes working on the same manifest */
  | { type: 'peers', peers: Array<{ id: Uint8Array, addrs: Uint8Array[] }> }

export interface DecoderLimits {
  /**
   * Largest block accepted in a BLOCK message
   *
   * @default MAX_BLOCK_SIZE
   */
  maxBlockSize?: number
  /**
   * Largest manifest accepted in a MANIFEST message
   *
   * @default MAX_MANIFEST_BYTES
   */
  maxManifestBytes?: number
}

/** Encodes a message as one or more chunks to send in order (BLOCK data is not copied) */
export function encode (msg: Message): Uint8Array[] {
  throw new Error('not implemented')
}

export interface Decoder {
  /** adds bytes from the stream (chunks need not align with messages) */
  push: (chunk: Uint8Array | Uint8ArrayList) => void
  /** the next complete message, or undefined until more bytes arrive; throws WireDecodeError */
  next: () => Message | undefined
  /** bytes buffered but not yet decoded */
  readonly buffered: number
}

export function createDecoder (limits?: DecoderLimits): Decoder {
  throw new Error('not implemented')
}

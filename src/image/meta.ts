/**
 * `meta`: everything a host needs to download an image, small enough for a
 * gossip announcement. The manifest itself (block hashes) is fetched from a
 * seeder by `manifestId` and verified against it.
 */
export interface ImageMeta {
  imageId: string
  /** CIDv1 (raw codec, sha2-256) of the encoded manifest */
  manifestId: string
  /** image size in bytes */
  size: number
  /** block size in bytes */
  blockSize: number
  /** SHA-256 of the whole image, lower-case hex */
  sha256: string
  /** seeders that serve the blocks */
  seeders: Array<{ peerId: string, addrs: string[] }>
  /** optional descriptive fields from the lister */
  name?: string
  diskFormat?: string
  /** hosts that should hold it (see src/distribute/selector.ts); absent = every host */
  selector?: string
  /** pinned (Glance property precache_pin=true): never evicted to make room */
  pin?: boolean
}

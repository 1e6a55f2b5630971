/** An image selected for pre-caching, as the List stage reports it */
export interface ImageRef {
  /** stable id (Glance image id, or derived from a file name) */
  id: string
  /** human-readable name */
  name?: string
  /** owning project (Glance `owner`) */
  project?: string
  /** size in bytes, when the source knows it */
  size?: number
  /** disk format (raw, qcow2, …), when the source knows it */
  diskFormat?: string
  /** checksums the source publishes, e.g. `{ sha512: '…', md5: '…' }` (lower-case hex) */
  checksums?: Record<string, string>
}

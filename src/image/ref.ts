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
  /** modification time (ms since the epoch), when the source is a local file */
  mtimeMs?: number
  /**
   * The source is still changing (a file being copied in): keep whatever is
   * served for this id as it is, neither fetch it nor withdraw it; look again soon
   */
  settling?: boolean
  /** keep it on every host even when space runs short (Glance property `precache_pin=true`) */
  pin?: boolean
  /** which hosts should hold it (Glance property `precache_hosts`), a selector like `aggregate=gpu`; absent = every host */
  selector?: string
  /** checksums the source publishes, e.g. `{ sha512: '…', md5: '…' }` (lower-case hex) */
  checksums?: Record<string, string>
}

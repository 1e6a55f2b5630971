import type { Config } from '../config/load.js'
import type { Logger } from '../log.js'
import { createRegistry } from '../registry.js'

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
  /** keep it on every host even when space runs short (Glance property `precache_pin=true`) */
  pin?: boolean
  /** checksums the source publishes, e.g. `{ sha512: '…', md5: '…' }` (lower-case hex) */
  checksums?: Record<string, string>
}

/** Stage 1: which images should be on every compute host */
export interface ImageLister {
  list: (signal?: AbortSignal) => Promise<ImageRef[]>
  /**
   * Checks the lister's static configuration at start-up (e.g. a folder
   * exists), throwing an operator-facing error; transient failures (an image
   * service that is down) must not be reported here.
   */
  validate?: (signal?: AbortSignal) => Promise<void>
}

/** Options passed to every lister factory: the whole validated config plus a logger */
export interface ListerComponents {
  config: Config
  log: Logger
}

export type ListerFactory = (components: ListerComponents) => ImageLister

export const listers = createRegistry<ListerFactory>('lister')

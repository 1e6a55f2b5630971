import type { Config } from '../config/load.js'
import type { Logger } from '../log.js'
import { createRegistry } from '../registry.js'
import type { ImageMeta } from '../image/meta.js'

/** Where an image was placed */
export interface StoredImage {
  /** final path */
  path: string
  /**
   * true when the file at `path` holds exactly the announced bytes (no format
   * conversion), so the peer can keep serving blocks from it
   */
  sameBytes: boolean
}

/** Stage 4, host side: place a verified image where the virt driver looks for it */
export interface CacheDriver {
  /**
   * Move (or convert) `verifiedFile` into place. The file has been verified
   * block by block and as a whole; the driver may rename it (it is on the same
   * file system as the cache dir when possible) and must leave nothing
   * half-written.
   */
  store: (meta: ImageMeta, verifiedFile: string, signal?: AbortSignal) => Promise<StoredImage>
  /** is this exact image (same whole-image hash) already in place? */
  has: (meta: ImageMeta) => Promise<boolean>
  /**
   * where this exact image is, when the driver itself placed it (lets a peer
   * killed between placing and recording adopt it instead of placing it twice)
   */
  lookup?: (meta: ImageMeta) => Promise<StoredImage | undefined>
  /**
   * remove an image the driver placed itself; never touches files it did not
   * create, nor (nova) a base file an instance disk uses
   */
  remove: (imageId: string) => Promise<void>
  /**
   * periodic housekeeping (e.g. refresh mtimes so Nova keeps the base files);
   * `keep` says which placed images are still wanted (released ones are not refreshed)
   */
  maintain?: (signal?: AbortSignal, keep?: (imageId: string) => boolean) => Promise<void>
  /** checks the configuration at start-up (folders exist and are writable), with an operator-facing error */
  validate?: () => Promise<void>
  /** folder where partial downloads should be staged so a rename into place is atomic */
  stagingDir: () => string
}

export interface CacheComponents {
  config: Config
  log: Logger
}

export type CacheDriverFactory = (components: CacheComponents) => CacheDriver

export const cacheDrivers = createRegistry<CacheDriverFactory>('cache driver')

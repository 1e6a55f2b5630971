import type { Config } from '../config/load.js'
import type { Logger } from '../log.js'
import { createRegistry } from '../registry.js'
import type { ImageRef } from '../image/ref.js'

/** A complete, verified local copy of an image */
export interface FetchedImage {
  /** absolute path of the local file; it must not change while served */
  path: string
  /** size in bytes */
  size: number
  /** checksums verified during the fetch (algorithm → lower-case hex) */
  verified: Record<string, string>
}

/** Stage 2: bring an image to a local file on the seeder */
export interface ImageFetcher {
  /**
   * Fetch the image, verifying whatever checksum the source publishes.
   * Implementations write to a `.part` file and rename; an already staged and
   * verified copy is returned without downloading again.
   */
  fetch: (image: ImageRef, signal?: AbortSignal) => Promise<FetchedImage>
  /** drop the staged copy of an image that is no longer listed (optional) */
  release?: (image: ImageRef) => Promise<void>
}

export interface FetcherComponents {
  config: Config
  log: Logger
}

export type FetcherFactory = (components: FetcherComponents) => ImageFetcher

export const fetchers = createRegistry<FetcherFactory>('fetcher')

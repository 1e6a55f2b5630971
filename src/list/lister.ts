import type { Config } from '../config/load.js'
import type { Logger } from '../log.js'
import { createRegistry } from '../registry.js'
import type { ImageRef } from '../image/ref.js'

export type { ImageRef }

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

import type { ImageMeta } from '../image/meta.js'

/** Stage 3: make an image downloadable and describe it */
export interface ImageServer {
  serve: (imageId: string, path: string, signal?: AbortSignal) => Promise<ImageMeta>
  /** stop serving an image that was withdrawn */
  unserve: (imageId: string) => Promise<void>
}

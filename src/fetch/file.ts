import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { InputFileError } from '../errors.js'
import { requireOption } from '../config/load.js'
import { fetchers } from './fetcher.js'
import type { FetchedImage, FetcherComponents, ImageFetcher } from './fetcher.js'
import type { ImageRef } from '../image/ref.js'

/**
 * The file fetcher: the image already is a local file (the directory lister's
 * folder). Nothing is copied; the file is served where it is.
 */
export function fileFetcher (init: { dir: string }): ImageFetcher {
  return {
    async fetch (image: ImageRef): Promise<FetchedImage> {
      const path = join(init.dir, image.name ?? image.id)
      const s = await stat(path).catch((err: any) => {
        throw new InputFileError(`image ${image.id}: cannot read ${path}: ${err.code ?? err.message}`)
      })
      if (!s.isFile()) throw new InputFileError(`image ${image.id}: ${path} is not a regular file`)
      return { path, size: s.size, verified: {} }
    }
  }
}

fetchers.register('file', (c: FetcherComponents) => fileFetcher({ dir: requireOption(c.config, 'seeder', 'images_dir') }))

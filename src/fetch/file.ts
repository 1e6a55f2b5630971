import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { InputFileError, errorCode } from '../errors.js'
import { requireOption } from '../config/load.js'
import { fetchers } from './fetcher.js'
import type { FetchedImage, FetcherComponents, ImageFetcher } from './fetcher.js'
import type { ImageRef } from '../image/ref.js'

/**
 * The file fetcher: the image already is a local file (the directory lister's
 * folder). Nothing is copied; the file is served where it is. A symbolic link
 * is never followed, and a file that changed since the lister looked at it
 * (size or mtime) is left for the next listing.
 */
export function fileFetcher (init: { dir: string }): ImageFetcher {
  return {
    async fetch (image: ImageRef): Promise<FetchedImage> {
      const path = join(init.dir, image.name ?? image.id)
      const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
        const why = errorCode(err) === 'ELOOP' ? 'it is a symbolic link, which is never served' : errorCode(err)
        throw new InputFileError(`image ${image.id}: cannot read ${path}: ${why}`)
      })
      try {
        const s = await fh.stat()
        if (!s.isFile()) throw new InputFileError(`image ${image.id}: ${path} is not a regular file`)
        if ((image.size != null && s.size !== image.size) || (image.mtimeMs != null && s.mtimeMs !== image.mtimeMs)) {
          throw new InputFileError(`image ${image.id}: ${path} changed since it was listed (still being written?); it is taken once it stops changing`)
        }
        return { path, size: s.size, verified: {} }
      } finally {
        await fh.close()
      }
    }
  }
}

fetchers.register('file', (c: FetcherComponents) => fileFetcher({ dir: requireOption(c.config, 'seeder', 'images_dir') }))

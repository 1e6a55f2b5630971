import { access, mkdir, rename, rm, stat } from 'node:fs/promises'
import { constants } from 'node:fs'
import { join } from 'node:path'
import { InputFileError } from '../errors.js'
import { requireOption } from '../config/load.js'
import { cacheDrivers } from './driver.js'
import type { CacheComponents, CacheDriver, StoredImage } from './driver.js'
import type { ImageMeta } from '../serve/meta.js'

/**
 * The directory cache driver: a verified image is renamed to
 * `<dir>/<image id>`. Partial downloads are staged in `<dir>/.precache/` so
 * the rename stays on one file system.
 */
export function directoryCacheDriver (init: { dir: string }): CacheDriver {
  const staging = join(init.dir, '.precache')
  const finalPath = (imageId: string): string => join(init.dir, imageId)
  return {
    stagingDir: () => staging,
    async validate () {
      try {
        await mkdir(staging, { recursive: true })
        await access(init.dir, constants.W_OK)
      } catch (err: any) {
        throw new InputFileError(`cache folder ${init.dir} cannot be used: ${err.code ?? err.message}; set --cache-dir to a writable folder`)
      }
    },
    async store (meta: ImageMeta, verifiedFile: string): Promise<StoredImage> {
      await mkdir(init.dir, { recursive: true }).catch((err: any) => {
        throw new InputFileError(`cannot create cache folder ${init.dir}: ${err.code ?? err.message}`)
      })
      const path = finalPath(meta.imageId)
      await rename(verifiedFile, path)
      return { path, sameBytes: true }
    },
    async has (meta: ImageMeta): Promise<boolean> {
      const s = await stat(finalPath(meta.imageId)).catch(() => undefined)
      return s?.isFile() === true && s.size === meta.size
    },
    async remove (imageId: string): Promise<void> {
      await rm(finalPath(imageId), { force: true })
    }
  }
}

cacheDrivers.register('directory', (c: CacheComponents) => directoryCacheDriver({ dir: requireOption(c.config, 'cache', 'dir') }))

import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { constants } from 'node:fs'
import { join } from 'node:path'
import { InputFileError } from '../errors.js'
import { requireOption } from '../config/load.js'
import { cacheDrivers } from './driver.js'
import type { CacheComponents, CacheDriver, StoredImage } from './driver.js'
import type { ImageMeta } from '../image/meta.js'

/**
 * The directory cache driver: a verified image is renamed to
 * `<dir>/<image id>`. Partial downloads are staged in `<dir>/.precache/` so
 * the rename stays on one file system; `<dir>/.precache/<image id>.sha256`
 * records which bytes were placed.
 */
export function directoryCacheDriver (init: { dir: string }): CacheDriver {
  const staging = join(init.dir, '.precache')
  const finalPath = (imageId: string): string => join(init.dir, imageId)
  const sidecar = (imageId: string): string => join(staging, `${imageId}.sha256`)
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
      // remember which bytes this is, so a restarted peer knows without re-reading the image
      await writeFile(sidecar(meta.imageId), meta.sha256 + '\n')
      return { path, sameBytes: true }
    },
    async has (meta: ImageMeta): Promise<boolean> {
      const s = await stat(finalPath(meta.imageId)).catch(() => undefined)
      const sha = await readFile(sidecar(meta.imageId), 'utf8').catch(() => '')
      return s?.isFile() === true && s.size === meta.size && sha.trim() === meta.sha256
    },
    async remove (imageId: string): Promise<void> {
      await rm(finalPath(imageId), { force: true })
      await rm(sidecar(imageId), { force: true })
    }
  }
}

cacheDrivers.register('directory', (c: CacheComponents) => directoryCacheDriver({ dir: requireOption(c.config, 'cache', 'dir') }))

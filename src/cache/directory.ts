import { access, mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { atomicWrite } from '../util/atomic-write.js'
import { constants } from 'node:fs'
import { join } from 'node:path'
import { InputFileError, errorCode } from '../errors.js'
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
  const lookup = async (meta: ImageMeta): Promise<StoredImage | undefined> => {
    const path = finalPath(meta.imageId)
    const s = await stat(path).catch(() => undefined)
    const [sha, ino, size] = (await readFile(sidecar(meta.imageId), 'utf8').catch(() => '')).trim().split(' ')
    const same = s?.isFile() === true && s.size === meta.size && sha === meta.sha256 && (ino == null || (Number(ino) === s.ino && Number(size) === s.size))
    return same ? { path, sameBytes: true } : undefined
  }
  return {
    stagingDir: () => staging,
    async validate () {
      try {
        await mkdir(staging, { recursive: true })
        await access(init.dir, constants.W_OK)
      } catch (err) {
        throw new InputFileError(`cache folder ${init.dir} cannot be used: ${errorCode(err)}; set --cache-dir to a writable folder`)
      }
    },
    async store (meta: ImageMeta, verifiedFile: string): Promise<StoredImage> {
      await mkdir(init.dir, { recursive: true }).catch((err: unknown) => {
        throw new InputFileError(`cannot create cache folder ${init.dir}: ${errorCode(err)}`)
      })
      const path = finalPath(meta.imageId)
      // remember which bytes this is (and which file: a rename keeps the
      // inode), before the rename, so a peer killed in between still knows
      const s = await stat(verifiedFile)
      await atomicWrite(sidecar(meta.imageId), `${meta.sha256} ${s.ino} ${s.size}\n`)
      await rename(verifiedFile, path)
      return { path, sameBytes: true }
    },
    has: async (meta: ImageMeta) => await lookup(meta) != null,
    lookup,
    async remove (imageId: string): Promise<void> {
      await rm(finalPath(imageId), { force: true })
      await rm(sidecar(imageId), { force: true })
    }
  }
}

cacheDrivers.register('directory', (c: CacheComponents) => directoryCacheDriver({ dir: requireOption(c.config, 'cache', 'dir') }))

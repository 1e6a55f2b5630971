import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { access, chmod, chown, mkdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { InputFileError, UnsupportedImageError, errorCode, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import type { ImageMeta } from '../image/meta.js'
import { cacheDrivers } from './driver.js'
import type { CacheComponents, CacheDriver, StoredImage } from './driver.js'
import { openNovaLedger } from './nova-ledger.js'
import type { NovaLedger } from './nova-ledger.js'
import { parseMode, parseOwner } from './owner.js'
import { qemuImgConvertRaw, qemuImgInfo } from './qemu-img.js'
import { instancesUsing } from './in-use.js'

/**
 * Refresh the mtime of placed base files this often (ms)
 *
 * @default 3600000
 */
export const DEFAULT_TOUCH_INTERVAL = 3_600_000
/**
 * Mode of placed base files
 *
 * @default 0o644
 */
export const DEFAULT_MODE = 0o644

export interface NovaCacheInit {
  /** Nova's instances_path */
  instancesPath: string
  /** convert non-raw images to raw (Nova's force_raw_images) @default true */
  forceRaw?: boolean
  /** owner of placed files; default unchanged */
  owner?: { uid: number, gid: number }
  mode?: number
  touchInterval?: number
}

/** Nova's base file name for an image: sha1 of the image id */
export function novaBaseName (imageId: string): string {
  return createHash('sha1').update(imageId, 'utf8').digest('hex')
}

/**
 * The nova cache driver: places an image where nova-compute's libvirt driver
 * looks for it, `<instances_path>/_base/<sha1(image id)>`, checking its real
 * format with qemu-img, refusing backing files, converting to raw like
 * `force_raw_images`, and keeping a ledger of what it placed so it never
 * touches Nova's own base files.
 */
export function novaCacheDriver (init: NovaCacheInit, components: { log: Logger }): CacheDriver {
  const base = join(init.instancesPath, '_base')
  const staging = join(base, '.precache')
  const forceRaw = init.forceRaw ?? true
  const mode = init.mode ?? DEFAULT_MODE
  const touchInterval = init.touchInterval ?? DEFAULT_TOUCH_INTERVAL
  let ledger: NovaLedger | undefined
  let lastTouch = 0
  const getLedger = async (): Promise<NovaLedger> => {
    if (ledger == null) {
      await mkdir(staging, { recursive: true })
      ledger = await openNovaLedger(join(staging, 'placed.json'))
    }
    return ledger
  }
  /** is the ledger's file still the one we placed? */
  const ours = async (imageId: string): Promise<boolean> => {
    const e = (await getLedger()).get(imageId)
    if (e == null) return false
    const s = await stat(e.path).catch(() => undefined)
    return s?.isFile() === true && s.ino === e.ino && s.size === e.size
  }
  const finish = async (path: string): Promise<void> => {
    await chmod(path, mode)
    if (init.owner != null) await chown(path, init.owner.uid, init.owner.gid)
  }

  return {
    stagingDir: () => staging,
    async validate () {
      // Nova makes instances_path; a path that does not exist is a typo, and
      // images placed under a new folder would be where Nova never looks
      let code = 'not a folder'
      const top = await stat(init.instancesPath).catch((err: NodeJS.ErrnoException) => { code = err.code ?? errorMessage(err) })
      if (top?.isDirectory() !== true) {
        throw new InputFileError(`instances_path ${init.instancesPath} ${code === 'ENOENT' ? 'does not exist' : `cannot be used (${code})`}: ` +
          'set [cache] instances_path (--instances-path) to Nova\'s [DEFAULT] instances_path on this compute host; precache does not create it')
      }
      try {
        await mkdir(staging, { recursive: true })
        await access(base, constants.W_OK)
      } catch (err) {
        throw new InputFileError(`Nova base folder ${base} cannot be used: ${errorCode(err)}; set --instances-path to Nova's instances_path`)
      }
      await getLedger()
    },
    async store (meta: ImageMeta, verifiedFile: string, signal?: AbortSignal): Promise<StoredImage> {
      const info = await qemuImgInfo(verifiedFile, signal)
      if (info.backingFile != null) {
        throw new UnsupportedImageError(`image ${meta.imageId} is a ${info.format} with a backing file (${info.backingFile}); Nova refuses such images, so it is not placed`)
      }
      const declared = meta.diskFormat?.toLowerCase()
      if (declared != null && declared !== info.format && !(declared === 'iso' && info.format === 'raw')) {
        throw new UnsupportedImageError(`image ${meta.imageId} is declared ${declared} but qemu-img finds ${info.format}; Nova would refuse it, so it is not placed`)
      }
      const name = novaBaseName(meta.imageId)
      const path = join(base, name)
      const existing = await stat(path).catch(() => undefined)
      if (existing != null && !await ours(meta.imageId)) {
        // Nova placed this image itself: leave its file alone
        components.log('Nova already has a base file for this image; not replacing it', { image: meta.imageId, path })
        await rm(verifiedFile, { force: true })
        return { path, sameBytes: false }
      }
      let sameBytes = true
      let src = verifiedFile
      if (forceRaw && info.format !== 'raw') {
        src = join(base, `${name}.converted`)
        await rm(src, { force: true })
        try {
          await qemuImgConvertRaw(verifiedFile, info.format, src, signal)
        } catch (err) {
          await rm(src, { force: true })
          throw err
        }
        await rm(verifiedFile, { force: true })
        sameBytes = false
      }
      await finish(src)
      await rename(src, path)
      const s = await stat(path)
      await (await getLedger()).set(meta.imageId, { path, sha256: meta.sha256, ino: s.ino, size: s.size, sameBytes })
      components.log('placed base file', { image: meta.imageId, path, format: info.format, converted: !sameBytes })
      return { path, sameBytes }
    },
    async lookup (meta: ImageMeta): Promise<StoredImage | undefined> {
      const e = (await getLedger()).get(meta.imageId)
      return e != null && e.sha256 === meta.sha256 && await ours(meta.imageId) ? { path: e.path, sameBytes: e.sameBytes } : undefined
    },
    async has (meta: ImageMeta): Promise<boolean> {
      const e = (await getLedger()).get(meta.imageId)
      if (e != null) return e.sha256 === meta.sha256 && await ours(meta.imageId)
      // a base file Nova made itself counts as present: never replace it
      return await stat(join(base, novaBaseName(meta.imageId))).then(s => s.isFile(), () => false)
    },
    async remove (imageId: string): Promise<void> {
      const l = await getLedger()
      const e = l.get(imageId)
      if (e == null) return
      if (await ours(imageId)) {
        const use = await instancesUsing(init.instancesPath, e.path)
        for (const u of use.unreadable) components.log.warn(`cannot read the backing chain of ${u.disk} (${u.error}): counting it as a user of the base file`, { image: imageId })
        if (use.users.length > 0) {
          // an instance disk reads through this base file: deleting it would
          // break the instance. Hand it over to Nova's image cache manager,
          // which removes base files once no instance uses them.
          components.log(`keeping base file ${e.path} of withdrawn image ${imageId}: instance folder ${use.users.join(', ')} uses it; Nova's image cache manager removes it once unused`, { image: imageId, path: e.path, instances: use.users })
        } else {
          await rm(e.path, { force: true })
        }
      }
      await l.delete(imageId)
    },
    async maintain (_signal?: AbortSignal, keep?: (imageId: string) => boolean) {
      if (Date.now() - lastTouch < touchInterval) return
      lastTouch = Date.now()
      const now = new Date()
      for (const [id, e] of (await getLedger()).entries()) {
        if (keep?.(id) === false) continue // released: no longer refreshed
        if (await ours(id)) await utimes(e.path, now, now)
      }
    }
  }
}

cacheDrivers.register('nova', (c: CacheComponents) => {
  const cache = c.config.cache ?? {}
  return novaCacheDriver({
    instancesPath: cache.instances_path,
    forceRaw: cache.force_raw_images,
    owner: cache.owner != null ? parseOwner(cache.owner) : undefined,
    mode: parseMode(cache.mode ?? '0644'),
    touchInterval: cache.touch_interval
  }, { log: c.log })
})

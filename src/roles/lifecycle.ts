/**
 * What happens to a cached image after it is placed: a withdrawal releases
 * it (no longer served or refreshed) and it is deleted once the grace period
 * is over — unless it is announced again first, then it is simply kept. When
 * space runs short, released images are evicted early, least recently
 * announced first, never a pinned one. One change at a time (a chain), so a
 * withdrawal, the grace sweep and an eviction never race on one image.
 */
import type { Logger } from '../log.js'
import type { ImageMeta } from '../image/meta.js'
import { dropDownload } from './swarm-download.js'
import type { DownloadComponents } from './swarm-download.js'
import { errorMessage } from '../errors.js'

/** How often released images are checked for the end of their grace period (ms). @default 5000 */
export const DEFAULT_SWEEP_INTERVAL = 5000
/** `lastAnnounced` is written to disk at most this often per image (ms). @default 600000 */
export const ANNOUNCED_RESOLUTION = 600_000

export interface LifecycleInit {
  /** ms a released image is kept before it is deleted (0 = at once) */
  grace: number
  sweepInterval?: number
}

export interface Lifecycle {
  /** an announcement named this exact image: keep it (cancels a release), remember when */
  announced: (meta: ImageMeta, pinned: boolean) => Promise<void>
  /** the seeder withdrew the image: stop its download, release it, delete it after the grace */
  release: (imageId: string, why: string) => Promise<void>
  /** deletes released images, oldest announcement first, until `bytes` are freed; resolves with the bytes freed */
  evict: (bytes: number, forImage: string) => Promise<number>
  stop: () => void
}

export function createLifecycle (components: { dl: DownloadComponents, log: Logger }, init: LifecycleInit): Lifecycle {
  const { dl, log } = components
  const { images, store, swarm, driver } = dl
  let chain: Promise<unknown> = Promise.resolve()
  const serial = async <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.catch(() => {}).then(fn)
    chain = next
    return await next
  }

  const removeNow = async (imageId: string, why: string): Promise<number> => {
    const rec = images.get(imageId)?.stored
    if (rec == null) return 0
    await swarm.remove(rec.manifestId)
    await driver.remove(imageId)
    await images.forget(imageId)
    await store.removeManifest(rec.manifestId)
    log(`image ${imageId} deleted: ${why}`, { path: rec.path })
    return rec.size
  }

  const sweep = setInterval(() => {
    for (const [id, r] of images.stored()) {
      if (r.state === 'released' && (r.deleteAt ?? 0) <= Date.now()) {
        void serial(async () => {
          const now = images.get(id)?.stored
          if (now?.state === 'released' && (now.deleteAt ?? 0) <= Date.now()) await removeNow(id, 'withdrawn, and the grace period (withdraw_grace) is over')
        }).catch((err: unknown) => { log.error(`could not delete released image ${id}: ${errorMessage(err)} (retrying)`) })
      }
    }
  }, init.sweepInterval ?? DEFAULT_SWEEP_INTERVAL)
  sweep.unref()

  return {
    async announced (meta, pinned) {
      const rec = images.get(meta.imageId)?.stored
      if (rec == null || rec.manifestId !== meta.manifestId) return
      if (rec.state === 'released') {
        await serial(async () => {
          const now = images.get(meta.imageId)?.stored
          if (now?.state !== 'released' || now.manifestId !== meta.manifestId) return
          await images.place(meta.imageId, { ...now, state: 'placed', deleteAt: undefined, pinned, lastAnnounced: Date.now() })
          log(`image ${meta.imageId} is announced again within the grace period: keeping it`)
        })
      } else if (Date.now() - rec.lastAnnounced > ANNOUNCED_RESOLUTION || rec.pinned !== pinned) {
        await images.touch(meta.imageId, { ...rec, pinned, lastAnnounced: Date.now() })
      }
    },
    async release (imageId, why) {
      await serial(async () => {
        const row = images.get(imageId)
        const job = row?.job
        if (row != null && job != null) {
          job.controller.abort()
          row.job = undefined
        }
        await dropDownload(dl, imageId)
        const rec = images.get(imageId)?.stored
        if (rec == null) {
          await images.forget(imageId)
          if (job != null) log(`image ${imageId}: ${why}; stopped its download`)
          return
        }
        if (rec.state === 'released') {
          // a new version of a released image was being fetched: back to released
          if (images.get(imageId)?.state !== 'released') images.move(imageId, 'released')
          return
        }
        if (init.grace === 0) { await removeNow(imageId, `${why} (withdraw_grace 0)`); return }
        await swarm.remove(rec.manifestId)
        const deleteAt = Date.now() + init.grace
        await images.release(imageId, deleteAt)
        log(`image ${imageId} released: ${why}; it is deleted at ${new Date(deleteAt).toISOString()} unless announced again`, { deleteAt })
      }).catch((err: unknown) => { log.error(`could not release image ${imageId}: ${errorMessage(err)}`) })
    },
    async evict (bytes, forImage) {
      const candidates = images.stored()
        .filter(([id, r]) => r.state === 'released' && r.pinned !== true && id !== forImage)
        .sort((a, b) => a[1].lastAnnounced - b[1].lastAnnounced)
      let freed = 0
      for (const [id] of candidates) {
        if (freed >= bytes) break
        freed += await serial(async () => images.get(id)?.stored?.state === 'released' ? await removeNow(id, `evicted (released) to make room for image ${forImage}`) : 0)
      }
      return freed
    },
    stop () { clearInterval(sweep) }
  }
}

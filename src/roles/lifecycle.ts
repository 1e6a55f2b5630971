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
import type { DownloadComponents, DownloadReport } from './swarm-download.js'
import { errorMessage } from '../errors.js'

/** One image a seeder announced, as the peer role works on it */
export interface Job {
  meta: ImageMeta
  seeder: string
  controller: AbortController
  state: 'downloading' | 'cached' | 'failed'
  /** when the job started, and when the image was in place (ms since the epoch) */
  started: number
  cachedAt?: number
  seconds?: number
  error?: string
  report: DownloadReport
  /** times our copy was found corrupt and repaired (see peer.ts) */
  repairs?: number
}

/** How often released images are checked for the end of their grace period (ms). @default 5000 */
export const DEFAULT_SWEEP_INTERVAL = 5000
/** `lastAnnounced` is written to disk at most this often per image (ms). @default 600000 */
export const ANNOUNCED_RESOLUTION = 600_000

/** One image in the peer's status file */
export interface ImageStatus {
  imageId: string
  /** waiting (for disk space), downloading, cached, failed (retried with back-off) or released (withdrawn, deleted at deleteAt) */
  state: 'waiting' | 'downloading' | 'cached' | 'failed' | 'released'
  manifestId: string
  size: number
  blocks: number
  have: number
  receivedBytes: number
  /** of receivedBytes, the bytes that crossed bulk channels */
  receivedBulkBytes: number
  sentBytes: number
  /** bytes of this download received from seeders and from other peers */
  fromSeeders: number
  fromPeers: number
  /** bytes copied from blocks already on this host (other versions, other images, repeated blocks) */
  reusedBytes: number
  neighbours: number
  seconds?: number
  /** when this peer had the image verified and in place (ms since the epoch) */
  cachedAt?: number
  /** blocks found verified on disk when the download (re)started */
  resumedBlocks?: number
  error?: string
  pinned: boolean
  /** released: when it is deleted (ms since the epoch) */
  deleteAt?: number
  /** times this host's copy was found corrupt and repaired */
  repairs: number
}

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
  /** one entry per image for the status file */
  status: (waiting: string[]) => ImageStatus[]
  stop: () => void
}

export function createLifecycle (components: { dl: DownloadComponents, jobs: Map<string, Job>, log: Logger }, init: LifecycleInit): Lifecycle {
  const { dl, jobs, log } = components
  const { store, swarm, driver } = dl
  let chain: Promise<unknown> = Promise.resolve()
  const serial = async <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.catch(() => {}).then(fn)
    chain = next
    return await next
  }

  const removeNow = async (imageId: string, why: string): Promise<number> => {
    const rec = store.get(imageId)
    if (rec == null) return 0
    await swarm.remove(rec.manifestId)
    await driver.remove(imageId)
    await store.update(imageId, undefined)
    await store.removeManifest(rec.manifestId)
    log(`image ${imageId} deleted: ${why}`, { path: rec.path })
    return rec.size
  }

  const sweep = setInterval(() => {
    for (const [id, r] of store.all()) {
      if (r.state === 'released' && (r.deleteAt ?? 0) <= Date.now()) {
        void serial(async () => {
          const now = store.get(id)
          if (now?.state === 'released' && (now.deleteAt ?? 0) <= Date.now()) await removeNow(id, 'withdrawn, and the grace period (withdraw_grace) is over')
        }).catch((err: unknown) => { log.error(`could not delete released image ${id}: ${errorMessage(err)} (retrying)`) })
      }
    }
  }, init.sweepInterval ?? DEFAULT_SWEEP_INTERVAL)
  sweep.unref()

  return {
    async announced (meta, pinned) {
      const rec = store.get(meta.imageId)
      if (rec == null || rec.manifestId !== meta.manifestId) return
      if (rec.state === 'released') {
        await serial(async () => {
          const now = store.get(meta.imageId)
          if (now?.state !== 'released' || now.manifestId !== meta.manifestId) return
          await store.update(meta.imageId, { ...now, state: 'placed', deleteAt: undefined, pinned, lastAnnounced: Date.now() })
          log(`image ${meta.imageId} is announced again within the grace period: keeping it`)
        })
      } else if (Date.now() - rec.lastAnnounced > ANNOUNCED_RESOLUTION || rec.pinned !== pinned) {
        await store.update(meta.imageId, { ...rec, pinned, lastAnnounced: Date.now() })
      }
    },
    async release (imageId, why) {
      await serial(async () => {
        const job = jobs.get(imageId)
        if (job != null) {
          job.controller.abort()
          jobs.delete(imageId)
        }
        await dropDownload(dl, imageId)
        const rec = store.get(imageId)
        if (rec == null || rec.state === 'released') {
          if (job != null && rec == null) log(`image ${imageId}: ${why}; stopped its download`)
          return
        }
        if (init.grace === 0) { await removeNow(imageId, `${why} (withdraw_grace 0)`); return }
        await swarm.remove(rec.manifestId)
        const deleteAt = Date.now() + init.grace
        await store.update(imageId, { ...rec, state: 'released', deleteAt })
        log(`image ${imageId} released: ${why}; it is deleted at ${new Date(deleteAt).toISOString()} unless announced again`, { deleteAt })
      }).catch((err: unknown) => { log.error(`could not release image ${imageId}: ${errorMessage(err)}`) })
    },
    async evict (bytes, forImage) {
      const candidates = store.all()
        .filter(([id, r]) => r.state === 'released' && r.pinned !== true && id !== forImage)
        .sort((a, b) => a[1].lastAnnounced - b[1].lastAnnounced)
      let freed = 0
      for (const [id] of candidates) {
        if (freed >= bytes) break
        freed += await serial(async () => store.get(id)?.state === 'released' ? await removeNow(id, `evicted (released) to make room for image ${forImage}`) : 0)
      }
      return freed
    },
    status (waiting) {
      const ids = new Set([...jobs.keys(), ...store.all().map(([id]) => id)])
      return [...ids].map(id => {
        const job = jobs.get(id)
        const rec = store.get(id)
        const manifestId = job?.meta.manifestId ?? rec?.manifestId ?? ''
        const t = swarm.get(manifestId)
        let state: ImageStatus['state'] = job?.state ?? (rec?.state === 'released' ? 'released' : 'cached')
        if (state === 'downloading' && waiting.includes(id)) state = 'waiting'
        let { fromSeeders, fromPeers } = job?.report ?? { fromSeeders: 0, fromPeers: 0 }
        if (job?.state === 'downloading' && t != null) {
          const seeders = new Set(job.meta.seeders.map(s => s.peerId))
          fromSeeders = Object.entries(t.ledger.byPeer()).filter(([p]) => seeders.has(p)).reduce((n, [, e]) => n + e.received, 0)
          fromPeers = t.ledger.totalReceived - fromSeeders
        }
        return {
          imageId: id,
          state,
          manifestId,
          size: job?.meta.size ?? rec?.size ?? 0,
          blocks: t?.store.have.size ?? 0,
          have: t?.store.have.count() ?? 0,
          receivedBytes: t?.ledger.totalReceived ?? 0,
          receivedBulkBytes: t?.ledger.receivedOverBulk ?? 0,
          sentBytes: t?.ledger.totalSent ?? 0,
          fromSeeders,
          fromPeers,
          reusedBytes: job?.report.reusedBytes ?? 0,
          neighbours: t?.neighbours.length ?? 0,
          seconds: job != null ? job.seconds ?? (Date.now() - job.started) / 1000 : undefined,
          cachedAt: job?.cachedAt,
          resumedBlocks: job?.report.resumedBlocks,
          error: job?.error,
          pinned: rec?.pinned ?? false,
          deleteAt: rec?.deleteAt,
          repairs: job?.repairs ?? 0
        }
      })
    },
    stop () { clearInterval(sweep) }
  }
}

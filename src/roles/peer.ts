/**
 * The peer role (one per compute host): follows the trusted seeders'
 * announcements, downloads each wanted image through the swarm, places it
 * with the cache driver, keeps serving it, and removes withdrawn images.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Config } from '../config/load.js'
import { requireOption } from '../config/load.js'
import { cacheDrivers } from '../cache/driver.js'
import { ConfigError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import type { ImageMeta } from '../image/meta.js'
import { createSubscriber } from '../distribute/subscriber.js'
import type { Announcement } from '../distribute/announcement.js'
import { startBase, startStatusFile } from './common.js'
import { openPlacedRecord } from './placed.js'
import { downloadImage, reseed } from './swarm-download.js'
import { explainDialError } from '../net/swarm-key.js'

/** First retry delay after a failed download (doubles up to 5 min). @default 5000 */
export const DEFAULT_RETRY = 5000

interface Job { meta: ImageMeta, seeder: string, controller: AbortController, state: 'downloading' | 'cached' | 'failed', started: number, seconds?: number, error?: string }

export interface Peer {
  peerId: string
  stop: () => Promise<void>
}

export async function startPeer (config: Config, log: Logger): Promise<Peer> {
  const seederAddrs: string[] = requireOption(config, 'peer', 'seeders')
  const seeders = seederAddrs.map(a => {
    let ma
    try { ma = multiaddr(a) } catch { throw new ConfigError(`--seeder ${a} is not a multiaddr`) }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id == null) throw new ConfigError(`--seeder ${a} must end with /p2p/<seeder peer id> (printed by the seeder at start and by "precache keygen")`)
    return { ma, id }
  })
  const trusted: string[] = config.peer.trusted_seeders ?? seeders.map(s => s.id)
  const driver = cacheDrivers.get(config.peer.cache_driver)({ config, log: log.child('cache') })
  await driver.validate?.()
  const { node, swarm } = await startBase(config, '/ip4/0.0.0.0/tcp/4002', log)
  const placed = await openPlacedRecord(config.DEFAULT.state_dir)
  const jobs = new Map<string, Job>()
  const dl = { swarm, driver, placed, trusted, log: log.child('download') }
  const stopping = new AbortController()

  const start = (meta: ImageMeta, seeder: string, attempt = 0): void => {
    const prev = jobs.get(meta.imageId)
    if (prev?.meta.manifestId === meta.manifestId && prev.state !== 'failed') return
    if (prev != null) prev.controller.abort()
    const job: Job = { meta, seeder, controller: new AbortController(), state: 'downloading', started: Date.now() }
    jobs.set(meta.imageId, job)
    const run = async (): Promise<void> => {
      if (await reseed(dl, meta) != null) { job.state = 'cached'; job.seconds = 0; log(`image ${meta.imageId} already in place: serving it`); return }
      log(`downloading image ${meta.imageId}`, { size: meta.size, manifest: meta.manifestId })
      await downloadImage(dl, meta, seeder, AbortSignal.any([job.controller.signal, stopping.signal]))
      job.state = 'cached'
      job.seconds = (Date.now() - job.started) / 1000
    }
    run().catch((err: unknown) => {
      if (job.controller.signal.aborted || stopping.signal.aborted) return
      job.state = 'failed'
      job.error = errorMessage(err)
      const delay = Math.min(300_000, DEFAULT_RETRY * 2 ** attempt)
      log.error(`image ${meta.imageId}: ${errorMessage(err)} (retrying in ${delay / 1000}s)`)
      setTimeout(() => { if (jobs.get(meta.imageId) === job && !stopping.signal.aborted) start(meta, seeder, attempt + 1) }, delay).unref()
    })
  }

  const withdraw = async (imageId: string): Promise<void> => {
    const job = jobs.get(imageId)
    jobs.delete(imageId)
    job?.controller.abort()
    const p = placed.get(imageId)
    if (job != null) await swarm.remove(job.meta.manifestId)
    if (p != null || job != null) {
      await driver.remove(imageId)
      await placed.delete(imageId)
      log(`image ${imageId} withdrawn: removed it`)
    }
  }

  const onAnnouncement = (a: Announcement, from: string): void => {
    if (a.type === 'cache') start(a.meta, from)
    else if (a.type === 'withdraw') {
      log(`seeder ${from} withdrew image ${a.imageId}`)
      void withdraw(a.imageId)
    } else {
      const listed = new Set(a.images.map(m => m.imageId))
      for (const m of a.images) start(m, from)
      const mine = [...new Set([...jobs.values()].filter(j => j.seeder === from).map(j => j.meta.imageId).concat(placed.all().filter(([, p]) => p.seeder === from).map(([id]) => id)))]
      for (const id of mine) {
        if (listed.has(id)) continue
        log(`image ${id} is missing from the catalogue of seeder ${from}: withdrawing it`)
        void withdraw(id)
      }
    }
  }
  const subscriber = createSubscriber({ node, log: log.child('distribute') }, { topic: config.DEFAULT.topic, trusted, onAnnouncement })

  // keep a connection to every seeder (the catalogue is requested on connect)
  const dialSeeders = async (): Promise<void> => {
    for (const s of seeders) {
      if (node.getConnections().some(c => c.remotePeer.toString() === s.id)) continue
      await node.dial(s.ma, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
        log.warn(`cannot reach seeder ${s.ma.toString()}: ${explainDialError(err)} (retrying)`)
      })
    }
  }
  await dialSeeders()
  const redial = setInterval(() => { void dialSeeders() }, 5000)
  const maintain = driver.maintain != null ? setInterval(() => { void driver.maintain?.(stopping.signal).catch((err: unknown) => { log.warn(`cache maintenance: ${errorMessage(err)}`) }) }, 60_000) : undefined

  const stopStatus = startStatusFile(config.DEFAULT.status_file, () => ({
    role: 'peer',
    peerId: node.peerId.toString(),
    images: [...jobs.values()].map(j => {
      const t = swarm.get(j.meta.manifestId)
      return {
        imageId: j.meta.imageId,
        state: j.state,
        size: j.meta.size,
        blocks: t?.store.have.size ?? 0,
        have: t?.store.have.count() ?? 0,
        receivedBytes: t?.ledger.totalReceived ?? 0,
        sentBytes: t?.ledger.totalSent ?? 0,
        neighbours: t?.neighbours.length ?? 0,
        seconds: j.seconds ?? (Date.now() - j.started) / 1000,
        error: j.error
      }
    })
  }))

  return {
    peerId: node.peerId.toString(),
    async stop () {
      stopping.abort()
      clearInterval(redial)
      if (maintain != null) clearInterval(maintain)
      subscriber.stop()
      await stopStatus()
      await swarm.stop()
      await node.stop()
    }
  }
}

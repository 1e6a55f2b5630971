/**
 * The peer role (one per compute host): follows the trusted seeders'
 * announcements, downloads each wanted image through the swarm, places it
 * with the cache driver, keeps serving it, and removes withdrawn images.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Config } from '../config/load.js'
import { requireOption } from '../config/load.js'
import { cacheDrivers } from '../cache/driver.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import type { ImageMeta } from '../image/meta.js'
import { createSubscriber } from '../distribute/subscriber.js'
import type { Announcement } from '../distribute/announcement.js'
import { startBase, startStatusFile } from './common.js'
import { openPlacedRecord } from './placed.js'
import { downloadImage, reseed } from './download.js'
import { explainDialError } from '../net/swarm-key.js'

/** First retry delay after a failed download (doubles up to 5 min). @default 5000 */
export const DEFAULT_RETRY = 5000

interface Job {
  meta: ImageMeta
  seeder: string
  controller: AbortController
  state: 'downloading' | 'cached' | 'failed'
  started: number
  seconds?: number
  error?: string
  /** times our copy was found corrupt and repaired */
  repairs: number
  /** settles when the job's run is over (done, failed or aborted) */
  finished?: Promise<void>
}

export interface Peer {
  peerId: string
  stop: () => Promise<void>
}

/** A peer id given on the command line or in the config must parse, or start-up stops with a ConfigError */
function checkPeerId (id: string, what: string): void {
  try {
    peerIdFromString(id)
  } catch {
    throw new ConfigError(`${what} is not a peer id (expected the seeder's id as printed at its start or by "precache keygen", e.g. 12D3KooW…)`)
  }
}

export async function startPeer (config: Config, log: Logger): Promise<Peer> {
  const seederAddrs: string[] = requireOption(config, 'peer', 'seeders')
  const seeders = seederAddrs.map(a => {
    let ma
    try { ma = multiaddr(a) } catch { throw new ConfigError(`--seeder ${a} is not a multiaddr`) }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id == null) throw new ConfigError(`--seeder ${a} must end with /p2p/<seeder peer id> (printed by the seeder at start and by "precache keygen")`)
    checkPeerId(id, `--seeder ${a}: "${id}"`)
    return { ma, id }
  })
  const trusted: string[] = config.peer.trusted_seeders ?? seeders.map(s => s.id)
  for (const id of trusted) checkPeerId(id, `--trust ${id}:`)
  const driver = cacheDrivers.get(config.peer.cache_driver)({ config, log: log.child('cache') })
  await driver.validate?.()
  const { node, swarm, bans, refusedHandshakes } = await startBase(config, '/ip4/0.0.0.0/tcp/4002', log, 'peer')
  const placed = await openPlacedRecord(config.DEFAULT.state_dir)
  const jobs = new Map<string, Job>()
  const stopping = new AbortController()
  /**
   * Our copy of an image was found corrupt (a neighbour's CORRUPT, re-checked,
   * or a block read to be sent): stop serving it and repair it
   */
  const onCorrupt = (meta: ImageMeta): void => {
    const job = jobs.get(meta.imageId)
    if (job == null || job.meta.manifestId !== meta.manifestId || stopping.signal.aborted) return
    log.warn(`image ${meta.imageId}: our copy is corrupt: stopped serving it; repairing it (bad blocks fetched again, whole image re-verified)`)
    job.controller.abort()
    const repairs = job.repairs + 1
    jobs.delete(meta.imageId)
    void swarm.remove(meta.manifestId).finally(() => { if (!jobs.has(meta.imageId)) start(meta, job.seeder, 0, repairs) })
  }
  const dl = { swarm, driver, placed, trusted, log: log.child('download'), onCorrupt }

  const start = (meta: ImageMeta, seeder: string, attempt = 0, repairs = 0): void => {
    const prev = jobs.get(meta.imageId)
    if (prev?.meta.manifestId === meta.manifestId && prev.state !== 'failed') return
    if (prev != null) prev.controller.abort()
    if (prev != null && prev.meta.manifestId !== meta.manifestId) void dropStale(prev)
    const job: Job = { meta, seeder, controller: new AbortController(), state: 'downloading', started: Date.now(), repairs: Math.max(repairs, prev?.repairs ?? 0) }
    jobs.set(meta.imageId, job)
    const run = async (): Promise<void> => {
      if (repairs === 0 && await reseed(dl, meta) != null) { job.state = 'cached'; job.seconds = 0; log(`image ${meta.imageId} already in place: serving it`); return }
      log(`downloading image ${meta.imageId}`, { size: meta.size, manifest: meta.manifestId })
      await downloadImage(dl, meta, seeder, AbortSignal.any([job.controller.signal, stopping.signal]), repairs > 0)
      job.state = 'cached'
      job.seconds = (Date.now() - job.started) / 1000
    }
    job.finished = run().catch((err: any) => {
      if (job.controller.signal.aborted || stopping.signal.aborted) return
      job.state = 'failed'
      job.error = err.message
      const delay = Math.min(300_000, DEFAULT_RETRY * 2 ** attempt)
      log.error(`image ${meta.imageId}: ${err.message} (retrying in ${delay / 1000}s)`)
      setTimeout(() => { if (jobs.get(meta.imageId) === job && !stopping.signal.aborted) start(meta, seeder, attempt + 1, job.repairs) }, delay).unref()
    })
  }

  /**
   * A newer manifest replaced this job's (the seeder's file changed): stop
   * serving the old one and delete its partial data. The authority is the
   * trusted seeder's signed announcement of another manifest for the image.
   */
  const dropStale = async (old: Job): Promise<void> => {
    await old.finished
    await swarm.remove(old.meta.manifestId)
    const staged = join(driver.stagingDir(), old.meta.manifestId)
    await Promise.all([rm(`${staged}.part`, { force: true }), rm(`${staged}.progress`, { force: true })])
    log(`image ${old.meta.imageId}: manifest ${old.meta.manifestId} was replaced: dropped its partial data`)
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
      await node.dial(s.ma, { signal: AbortSignal.timeout(10_000) }).catch((err: any) => {
        log.warn(`cannot reach seeder ${s.ma.toString()}: ${explainDialError(err)} (retrying)`)
      })
    }
  }
  await dialSeeders()
  const redial = setInterval(() => { void dialSeeders() }, 5000)
  const maintain = driver.maintain != null ? setInterval(() => { void driver.maintain?.(stopping.signal).catch((err: any) => { log.warn(`cache maintenance: ${err.message}`) }) }, 60_000) : undefined

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
        error: j.error,
        repairs: j.repairs
      }
    }),
    bans: bans.records(),
    refusedHandshakes: refusedHandshakes()
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

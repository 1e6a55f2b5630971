/**
 * The peer role (one per compute host): follows the trusted seeders'
 * announcements, downloads each wanted image through the swarm, places it
 * with the cache driver and keeps serving it. A withdrawn image is released
 * and deleted only after the grace period (lifecycle.ts).
 */
import type { Config } from '../config/load.js'
import { cacheDrivers } from '../cache/driver.js'
import { createSpace } from '../cache/space.js'
import { errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import type { ImageMeta } from '../image/meta.js'
import { createSubscriber } from '../distribute/subscriber.js'
import type { Announcement } from '../distribute/announcement.js'
import type { Via } from '../distribute/subscriber.js'
import { countBy, startBase } from './common.js'
import { startStatusFile } from './status.js'
import { backoff, DEFAULT_MAX_RETRY } from './retry.js'
import { openPeerStore } from './peer-store.js'
import { downloadImage, removeStrayPartials, reseed } from './swarm-download.js'
import type { DownloadComponents } from './swarm-download.js'
import { createLifecycle } from './lifecycle.js'
import { openPeerImages } from './peer-images.js'
import type { PeerJob } from './peer-images.js'
import { imageReport, peerImageStatus } from './peer-image-status.js'
import { seedersFromConfig } from './seeder-link.js'
import { startLinks } from './links.js'
import { countConnections } from '../net/idle.js'
import type { LearnedImage } from './status.js'
import { metrics } from '../ops/metrics.js'
import { RELEASE } from './version.js'
import { startMetricsServer } from '../ops/metrics-server.js'
import { startReporter } from './reporter.js'
import { hostLabels, selects } from '../distribute/selector.js'

/** Seeders remembered per image (an announcement lists at most 16) */
const MAX_SEEDERS_PER_IMAGE = 16
/** How often the cache driver's maintenance (the nova driver's mtime refresh) runs. @default 60000 */
export const DEFAULT_MAINTENANCE_INTERVAL = 60_000

/** First retry delay after a failed download (doubles up to DEFAULT_MAX_RETRY). @default 5000 */
export const DEFAULT_RETRY = 5000

export interface Peer {
  peerId: string
  stop: () => Promise<void>
}

export async function startPeer (config: Config, log: Logger): Promise<Peer> {
  const { seeders, trusted } = seedersFromConfig(config)
  const labels = hostLabels(config.peer.labels ?? [])
  const driver = cacheDrivers.get(config.peer.cache_driver)({ config, log: log.child('cache') })
  await driver.validate?.()
  const { node, swarm, bans, refusedHandshakes } = await startBase(config, '/ip4/0.0.0.0/tcp/4002', log, 'peer')
  const store = await openPeerStore(config.DEFAULT.state_dir, log)
  /** the one per-image state table (peer-images.ts): status, report, metrics and decisions read it */
  const images = openPeerImages({ store, log: log.child('images') })
  const pinnedIds = new Set<string>(config.cache.pinned ?? [])
  const isPinned = (meta: ImageMeta): boolean => meta.pin === true || pinnedIds.has(meta.imageId)
  const cachedBytes = images.cachedBytes
  const stopping = new AbortController()
  const space = createSpace({ log: log.child('space'), cachedBytes, evict: async (bytes, forImage) => await lifecycle.evict(bytes, forImage) }, {
    dir: driver.stagingDir(), minFree: config.cache.min_free, maxBytes: config.cache.max_bytes
  })
  /**
   * Our copy of an image was found corrupt (a neighbour's CORRUPT, re-checked,
   * or a block read to be sent): stop serving it and repair it
   */
  const onCorrupt = (meta: ImageMeta): void => {
    const row = images.get(meta.imageId)
    const job = row?.job
    if (row == null || job == null || job.meta.manifestId !== meta.manifestId || stopping.signal.aborted) return
    log.warn(`image ${meta.imageId}: our copy is corrupt: stopped serving it; repairing it (bad blocks fetched again, whole image re-verified)`)
    job.controller.abort()
    const repairs = row.repairs + 1
    row.job = undefined
    void swarm.remove(meta.manifestId).finally(() => { if (images.get(meta.imageId)?.job == null) start(job.meta, job.seeder, 0, repairs) })
  }
  const seederIds = new Set(trusted)
  /** up to 3 random connected peers, asked for a manifest before its seeders */
  const neighbours = (): Array<{ peerId: string, addrs: string[] }> => [...new Set(node.getConnections().map(c => c.remotePeer.toString()))]
    .filter(id => !seederIds.has(id)).sort(() => Math.random() - 0.5).slice(0, 3).map(peerId => ({ peerId, addrs: [] }))
  const seederConnected = (ids: string[]): boolean => node.getConnections().some(c => ids.includes(c.remotePeer.toString()))
  const manifestCounts = { fromPeers: 0, fromSeeders: 0 }
  const dl: DownloadComponents = { swarm, driver, images, store, space, trusted, log: log.child('download'), onCorrupt, neighbours, seederConnected, manifestCounts }
  const lifecycle = createLifecycle({ dl, log }, { grace: config.cache.withdraw_grace })
  /** the table as the status file, the fleet report and the metrics show it */
  const imageStatus = (): ReturnType<typeof peerImageStatus>[] => images.rows().map(r => peerImageStatus(r, swarm))
  await removeStrayPartials(dl)

  const reporter = startReporter({ node, log: log.child('report') }, {
    seeders,
    interval: config.peer.report_interval,
    labels,
    snapshot: () => imageStatus().map(imageReport)
  })

  /**
   * Another seeder announced the same content (same manifest id): fetch from
   * it too. Seeders of one image are used together; losing one costs only
   * the blocks it alone was sending.
   */
  const addSeeders = (job: PeerJob, meta: ImageMeta): void => {
    const known = new Set(job.meta.seeders.map(s => s.peerId))
    const extra = meta.seeders.filter(s => !known.has(s.peerId))
    if (extra.length === 0) return
    // in place: a download starting now reads this same list
    job.meta.seeders.push(...extra.slice(0, Math.max(0, MAX_SEEDERS_PER_IMAGE - job.meta.seeders.length)))
    const t = swarm.get(meta.manifestId)
    if (t != null) void swarm.connect(t, extra).catch(() => {})
  }

  const start = (meta: ImageMeta, seeder: string, attempt = 0, repairs = 0): void => {
    const id = meta.imageId
    if (!selects(meta.selector, labels)) {
      // aimed at other hosts: neither download nor keep it (the seeder's signed announcement says so)
      if (images.get(id) != null) void lifecycle.release(id, `not aimed at this host (hosts: ${meta.selector ?? ''})`)
      return
    }
    const row = images.get(id)
    const prev = row?.job
    if (row != null && prev?.meta.manifestId === meta.manifestId) {
      addSeeders(prev, meta)
      // already wanted; a failed one is retried by its own back-off timer
      if (row.state !== 'failed' || attempt === 0) { void lifecycle.announced(meta, isPinned(meta)); return }
    }
    if (prev != null) prev.controller.abort()
    const job: PeerJob = { meta: { ...meta, seeders: [...meta.seeders] }, seeder, controller: new AbortController(), started: Date.now(), report: { reusedBytes: 0, fromSeeders: 0, fromPeers: 0 } }
    images.want(id, job, repairs)
    /** this job still owns the row (not replaced, released or stopped) */
    const current = (): boolean => images.get(id)?.job === job
    const run = async (): Promise<void> => {
      await lifecycle.announced(meta, isPinned(meta))
      if (repairs === 0 && await reseed(dl, meta, seeder, isPinned(meta))) {
        if (current()) images.move(id, 'placed', { cachedAt: Date.now(), seconds: 0 })
        log(`image ${id} already in place: serving it`)
        return
      }
      log(`downloading image ${id}`, { size: meta.size, manifest: meta.manifestId })
      await downloadImage(dl, job.meta, seeder, AbortSignal.any([job.controller.signal, stopping.signal]), job.report, isPinned(meta), repairs > 0, step => { if (current()) images.move(id, step) })
      const cachedAt = Date.now()
      const seconds = (cachedAt - job.started) / 1000
      if (current()) images.move(id, 'placed', { cachedAt, seconds })
      metrics.downloaded(seconds)
      if (job.report.reusedBytes > 0) metrics.receivedFrom('reused', job.report.reusedBytes)
      reporter.changed()
    }
    run().catch((err: unknown) => {
      if (job.controller.signal.aborted || stopping.signal.aborted) return
      const delay = backoff(attempt, DEFAULT_RETRY, DEFAULT_MAX_RETRY)
      log.error(`image ${id}: ${errorMessage(err)} (retrying in ${delay / 1000}s)`)
      if (!current()) return
      // placed already (a step after placing failed): the copy stands, the error is shown
      if (images.get(id)?.state === 'placed') images.move(id, 'placed', { error: errorMessage(err) })
      else images.move(id, 'failed', { error: errorMessage(err) })
      reporter.changed()
      setTimeout(() => { const r = images.get(id); if (r?.job === job && r.state === 'failed' && !stopping.signal.aborted) start(job.meta, seeder, attempt + 1, r.repairs) }, delay).unref()
    })
  }

  /** per seeder: catalogues received (repeats included), and the newest complete generation applied */
  const views = new Map<string, { catalogues: number, generation?: number, complete: boolean, applied?: number }>()
  const viewOf = (from: string): { catalogues: number, generation?: number, complete: boolean, applied?: number } => {
    let view = views.get(from)
    if (view == null) { view = { catalogues: 0, complete: false }; views.set(from, view) }
    return view
  }
  const onHeard = (type: Announcement['type'], from: string): void => { if (type === 'catalogue') viewOf(from).catalogues++ }
  /** how each image's current announcement was first learned (the last 64) */
  const learned = new Map<string, LearnedImage & { manifestId: string }>()
  const learn = (meta: ImageMeta, via: Via): void => {
    if (learned.get(meta.imageId)?.manifestId === meta.manifestId) return
    learned.delete(meta.imageId)
    learned.set(meta.imageId, { manifestId: meta.manifestId, at: Date.now(), via, seederConnected: node.getConnections().some(c => seederIds.has(c.remotePeer.toString())) })
    if (learned.size > 64) learned.delete(learned.keys().next().value as string)
  }
  const onAnnouncement = (a: Announcement, from: string, via: Via): void => {
    if (a.type === 'cache') learn(a.meta, via)
    else if (a.type === 'catalogue') for (const m of a.images) learn(m, via)
    if (a.type === 'cache') start(a.meta, from)
    else if (a.type === 'withdraw') {
      log(`seeder ${from} withdrew image ${a.imageId}`)
      void lifecycle.release(a.imageId, `withdrawn by seeder ${from}`)
    } else {
      const view = viewOf(from)
      view.complete = a.complete === true
      view.generation = a.generation
      for (const m of a.images) start(m, from)
      // only a complete catalogue (a finished, successful listing) withdraws,
      // and never one older than a complete one already applied
      if (a.complete !== true || a.generation == null || a.generation < (view.applied ?? 0)) return
      view.applied = a.generation
      const listed = new Set(a.images.map(m => m.imageId))
      const mine = images.rows().filter(r => r.job?.seeder === from || (r.stored?.seeder === from && r.stored.state === 'placed')).map(r => r.imageId)
      for (const id of mine) {
        if (!listed.has(id)) void lifecycle.release(id, `absent from the complete catalogue (generation ${a.generation}) of seeder ${from}`)
      }
    }
  }
  const subscriber = await createSubscriber({ node, log: log.child('distribute') }, { topic: config.DEFAULT.topic, trusted, onAnnouncement, onHeard })
  // gossip neighbours, catalogue pulls, and a seeder only when needed (links.ts)
  const links = startLinks({ node, log: log.child('links'), subscriber }, seeders, { neighbours: config.peer.gossip_neighbours, pullInterval: config.peer.catalogue_pull_interval })
  const connections = countConnections(node)
  const maintain = driver.maintain != null
    ? setInterval(() => { void driver.maintain?.(stopping.signal, id => images.get(id)?.stored?.state !== 'released').catch((err: unknown) => { log.warn(`cache maintenance: ${errorMessage(err)}`) }) }, DEFAULT_MAINTENANCE_INTERVAL)
    : undefined

  metrics.setSeeders(trusted)
  metrics.setSource('peer', RELEASE, {
    imagesByState: () => countBy(images.rows().map(r => r.state)),
    connectedPeers: () => node.getConnections().length,
    sessions: () => swarm.torrents().reduce((n, t) => n + t.neighbours.length, 0)
  })
  const metricsServer = await startMetricsServer(config.DEFAULT.metrics_listen, metrics, log)

  const stopStatus = startStatusFile(config.DEFAULT.status_file, () => ({
    role: 'peer',
    peerId: node.peerId.toString(),
    data: swarm.data(),
    seeders: seeders.map(s => ({ peerId: s.id, connected: node.getConnections().some(c => c.remotePeer.toString() === s.id), catalogues: 0, complete: false, ...views.get(s.id), unreachable: links.unreachable(s.id) })),
    cache: { bytes: cachedBytes(), maxBytes: config.cache.max_bytes, minFree: config.cache.min_free, waiting: images.rows().filter(r => r.state === 'waiting').map(r => r.imageId) },
    images: imageStatus(),
    bans: bans.records(),
    refusedHandshakes: refusedHandshakes(),
    relay: {
      ...subscriber.counters(),
      ...links.status(),
      connections: connections.now(),
      peakConnections: connections.peak(),
      manifests: { ...manifestCounts },
      learned: Object.fromEntries([...learned].map(([id, { at, via, seederConnected }]) => [id, { at, via, seederConnected }]))
    }
  }))

  return {
    peerId: node.peerId.toString(),
    async stop () {
      stopping.abort()
      links.stop()
      connections.stop()
      if (maintain != null) clearInterval(maintain)
      lifecycle.stop()
      await subscriber.stop()
      reporter.stop()
      await metricsServer?.close()
      await stopStatus()
      await swarm.stop()
      await node.stop()
    }
  }
}

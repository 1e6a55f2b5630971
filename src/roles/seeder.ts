/**
 * The seeder role: every `interval`, List → Fetch → Serve → Distribute.
 * A failing lister keeps the last good list (retrying with back-off) so that
 * images are never withdrawn because the image service was down; an image
 * that disappears from a successful listing is withdrawn. Every image's
 * progress is a row of one state table (seeder-images.ts), which the pass,
 * the status file and the completeness of the catalogue read.
 */
import type { Config } from '../config/load.js'
import { listers } from '../list/lister.js'
import type { ImageRef } from '../image/ref.js'
import { fetchers } from '../fetch/fetcher.js'
import { createSwarmServer } from '../serve/swarm-server.js'
import type { ImageMeta } from '../image/meta.js'
import { createAnnouncer } from '../distribute/announcer.js'
import type { Logger } from '../log.js'
import { startBase } from './common.js'
import { startStatusFile } from './status.js'
import { createSeederImageTable } from './seeder-images.js'
import { backoff } from './retry.js'
import { InputFileError, errorMessage } from '../errors.js'
import { openGeneration } from './generation.js'
import { closeIfIdle, countConnections, trimIdleConnections } from '../net/idle.js'
import { metrics } from '../ops/metrics.js'
import { RELEASE } from './version.js'
import { startMetricsServer } from '../ops/metrics-server.js'
import { handleReports } from '../distribute/report.js'
import { createFleet } from './fleet.js'
import { startGlanceNotifications } from '../list/glance-notifications.js'
import { checkSelector, parseTargetRules, selectorFor, selects } from '../distribute/selector.js'
import { startAdminServer } from './admin.js'

/** Events within this time after a Glance notification share one listing. @default 300 */
export const DEFAULT_NOTIFICATION_DEBOUNCE = 300
/** First retry delay after a failed listing. @default 15000 */
export const DEFAULT_LIST_RETRY = 15_000

/** Next look when a listed file was still changing. @default 5000 */
export const DEFAULT_SETTLE_RETRY = 5000

export interface Seeder {
  peerId: string
  addrs: string[]
  /** one List → Fetch → Serve → Distribute pass */
  runOnce: (signal?: AbortSignal) => Promise<void>
  /** a pass now (after the one running, if any), then the next after `interval` */
  refresh: () => Promise<{ images: number }>
  stop: () => Promise<void>
}

export async function startSeeder (config: Config, log: Logger): Promise<Seeder> {
  const targetRules = parseTargetRules(config.seeder.targets)
  const lister = listers.get(config.seeder.lister)({ config, log: log.child('list') })
  const fetcher = fetchers.get(config.seeder.fetcher)({ config, log: log.child('fetch') })
  await lister.validate?.()
  const { node, swarm, privateKey, bans, refusedHandshakes } = await startBase(config, '/ip4/0.0.0.0/tcp/4001', log, 'seeder')
  const self = (): { peerId: string, addrs: string[] } => ({
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, ''))
  })
  const server = createSwarmServer({ swarm, privateKey, self, log: log.child('serve'), onSourceChanged: () => { kick() } }, { stateDir: config.DEFAULT.state_dir, blockSize: config.swarm.block_size })
  const announcer = await createAnnouncer({ node, log: log.child('distribute'), privateKey }, { topic: config.DEFAULT.topic, interval: config.seeder.announce_interval, links: config.seeder.gossip_links })
  // only gossip links stay: reports, catalogue fallbacks and turned-away sessions leave no lasting connection
  const idle = trimIdleConnections(node, { keep: announcer.isLink, idleMs: config.seeder.idle_close })
  const connections = countConnections(node)
  const controller = new AbortController()
  const images = createSeederImageTable()
  let failures = 0
  const generations = await openGeneration(config.DEFAULT.state_dir)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  /** an image was still being written at the last listing: look again soon */
  let settling = false

  const runOnce = async (signal?: AbortSignal): Promise<void> => {
    let listed: ImageRef[]
    try {
      listed = await lister.list(signal)
      failures = 0
      metrics.listing(true)
    } catch (err) {
      failures++
      metrics.listing(false)
      // a failed listing is no authority: peers withdraw nothing while the catalogue is incomplete
      announcer.settle(generations.current(), false)
      log.error(`listing images failed (keeping the previous ${images.size()}): ${errorMessage(err)}`)
      throw err
    }
    const wanted = new Set(listed.map(i => i.id))
    for (const old of images.rows()) {
      if (wanted.has(old.imageId)) continue
      log(`image ${old.imageId} is no longer listed: withdrawing it`)
      await announcer.withdraw(old.imageId)
      await server.unserve(old.imageId)
      await fetcher.release?.(old.ref)
      images.delete(old.imageId)
    }
    settling = listed.some(i => i.settling === true)
    for (const image of listed) {
      const row = images.get(image.id) ?? images.put({ imageId: image.id, state: 'listed', ref: image })
      if (image.settling === true) {
        // still being written: keep what is served for it, look again soon
        log.debug(`image ${image.id} is still changing: looking again in a few seconds`)
        continue
      }
      row.ref = image
      try {
        const selector = selectorFor(targetRules, image)
        if (selector != null) checkSelector(selector, image.id)
        const fetched = await fetcher.fetch(image, signal)
        if (fetched.size === 0) throw new InputFileError(`${image.name ?? image.id} is empty (0 bytes): not served`)
        if (row.state === 'listed') images.move(image.id, 'fetched')
        const meta: ImageMeta = { ...await server.serve(image.id, fetched.path, signal) }
        if (image.name != null) meta.name = image.name
        if (image.diskFormat != null) meta.diskFormat = image.diskFormat
        if (image.pin === true) meta.pin = true
        if (selector != null) meta.selector = selector
        if (row.state !== 'announced' || row.meta?.manifestId !== meta.manifestId || row.meta.pin !== meta.pin || row.meta.selector !== meta.selector) {
          images.move(image.id, 'served', { meta })
          log(`serving image ${image.id}`, { size: meta.size, manifest: meta.manifestId, ...(selector != null ? { hosts: selector } : {}) })
          await announcer.cache(meta)
          images.move(image.id, 'announced')
        }
        images.update(image.id, { error: undefined })
      } catch (err) {
        if (signal?.aborted === true) throw err
        metrics.fetchError()
        // once per problem, not at every period
        if (row.error !== errorMessage(err)) log.error(`image ${image.id}: ${errorMessage(err)} (will retry next period)`)
        images.update(image.id, { error: errorMessage(err) })
      }
    }
    // the catalogue now answers for this listing only if every listed image is announced
    const complete = listed.every(i => images.get(i.id)?.state === 'announced')
    announcer.settle(complete ? await generations.next() : generations.current(), complete)
  }

  metrics.setSource('seeder', RELEASE, {
    imagesByState: () => ({ served: announcer.catalogue().length }),
    connectedPeers: () => node.getConnections().length,
    sessions: () => swarm.torrents().reduce((n, t) => n + t.neighbours.length, 0)
  })
  const metricsServer = await startMetricsServer(config.DEFAULT.metrics_listen, metrics, log)

  const pass = async (): Promise<void> => {
    if (timer != null) clearTimeout(timer)
    const p = runOnce(controller.signal)
    running = p.then(() => { schedule(settling ? Math.min(config.seeder.interval, DEFAULT_SETTLE_RETRY) : config.seeder.interval) },
      () => { if (!controller.signal.aborted) schedule(backoff(failures - 1, DEFAULT_LIST_RETRY, config.seeder.interval, 6)) })
    await p
  }
  const schedule = (ms: number): void => {
    if (timer != null) clearTimeout(timer)
    timer = setTimeout(() => { pass().catch(() => {}) }, ms)
  }
  /** a served file changed (a block read did not match its manifest): list, fetch and serve again now */
  const kick = (): void => { if (!controller.signal.aborted) void refresh().catch(() => {}) }
  // refreshes asked for while one waits are served by that one
  let pendingRefresh: Promise<{ images: number }> | undefined
  const refresh = async (): Promise<{ images: number }> => {
    pendingRefresh ??= (async () => {
      await running
      pendingRefresh = undefined
      if (controller.signal.aborted) throw new Error('the seeder is stopping')
      log('re-listing now (refresh)')
      await pass()
      return { images: images.size() }
    })()
    return await pendingRefresh
  }

  const fleet = createFleet({ seeder: node.peerId.toString(), peerTimeout: config.seeder.peer_timeout })
  // a report is one exchange: its connection is closed at once unless something else uses it
  const stopReports = await handleReports(node, (peerId, report) => { fleet.record(peerId, report) }, (connection, stream) => {
    if (!announcer.isLink(connection.remotePeer.toString())) closeIfIdle(connection, stream)
  })
  const admin = await startAdminServer(config, {
    fleet: () => fleet.view(announcer.catalogue().map(m => ({ imageId: m.imageId, name: m.name, size: m.size, selector: m.selector })),
      (labels, image) => selects(image.selector, labels)),
    refresh
  }, log)
  schedule(0)

  // Glance notifications: list again shortly after an image changes (a burst of events costs one listing)
  let soon: NodeJS.Timeout | undefined
  const relistSoon = (why: string): void => {
    soon ??= setTimeout(() => {
      soon = undefined
      log(`listing again now: ${why}`)
      refresh().catch((err: unknown) => { log.warn(`listing after a Glance notification failed: ${errorMessage(err)}`) })
    }, DEFAULT_NOTIFICATION_DEBOUNCE)
  }
  const notifications = config.glance.notifications_url != null
    ? startGlanceNotifications({ log: log.child('notifications') }, {
      url: config.glance.notifications_url,
      exchange: config.glance.notifications_exchange,
      topic: config.glance.notifications_topic,
      onEvent: e => { relistSoon(`glance ${e.eventType}${e.imageId != null ? ` for image ${e.imageId}` : ''}`) },
      onReconnect: () => { relistSoon('reconnected to Glance notifications (events may have been missed)') }
    })
    : undefined

  const stopStatus = startStatusFile(config.DEFAULT.status_file, () => ({
    role: 'seeder',
    peerId: node.peerId.toString(),
    data: swarm.data(),
    sentBytes: swarm.torrents().reduce((n, t) => n + t.ledger.totalSent, 0),
    subscribers: announcer.subscribers(),
    catalogue: { generation: generations.current(), complete: announcer.complete() },
    ...(notifications != null ? { glanceNotifications: { connected: notifications.connected() } } : {}),
    images: images.rows().map(r => {
      const t = r.meta != null ? swarm.get(r.meta.manifestId) : undefined
      const sends = t?.superSeeder?.sentCounts
      return {
        imageId: r.imageId,
        state: r.state,
        since: r.since,
        manifestId: r.meta?.manifestId,
        size: r.meta?.size ?? r.ref.size,
        sentBytes: t?.ledger.totalSent ?? 0,
        neighbours: t?.neighbours.length ?? 0,
        peakNeighbours: t?.peakNeighbours ?? 0,
        turnedAway: t?.turnedAway ?? 0,
        blocksSent: sends != null ? sends.reduce((k, c) => k + (c > 0 ? 1 : 0), 0) : 0,
        firstPassRepeats: t?.superSeeder?.firstPassRepeats ?? 0,
        refusedRequests: t?.refusedRequests ?? 0,
        error: r.error
      }
    }),
    bans: bans.records(),
    refusedHandshakes: refusedHandshakes(),
    relay: { ...announcer.relayStatus(), connections: connections.now(), peakConnections: connections.peak(), idleClosed: idle.closed() }
  }))

  return {
    peerId: node.peerId.toString(),
    addrs: self().addrs,
    runOnce,
    refresh,
    async stop () {
      controller.abort()
      if (timer != null) clearTimeout(timer)
      await running.catch(() => {})
      if (soon != null) clearTimeout(soon)
      await notifications?.stop()
      await metricsServer?.close()
      await admin.close()
      await stopReports()
      await stopStatus()
      idle.stop()
      connections.stop()
      await announcer.stop()
      await swarm.stop()
      await node.stop()
    }
  }
}

/**
 * The seeder role: every `interval`, List → Fetch → Serve → Distribute.
 * A failing lister keeps the last good list (retrying with back-off) so that
 * images are never withdrawn because the image service was down; an image
 * that disappears from a successful listing is withdrawn.
 */
import type { Config } from '../config/load.js'
import { listers } from '../list/lister.js'
import type { ImageRef } from '../image/ref.js'
import { fetchers } from '../fetch/fetcher.js'
import { createSwarmServer } from '../serve/swarm-server.js'
import type { ImageMeta } from '../image/meta.js'
import { createAnnouncer } from '../distribute/announcer.js'
import type { Logger } from '../log.js'
import { startBase, startStatusFile } from './common.js'
import { InputFileError, errorMessage } from '../errors.js'
import { openGeneration } from './generation.js'
import { metrics } from '../ops/metrics.js'
import { RELEASE } from './version.js'
import { startMetricsServer } from '../ops/metrics-server.js'
import { handleReports } from '../distribute/report.js'
import { createFleet } from './fleet.js'
import { startAdminServer } from './admin.js'

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
  const lister = listers.get(config.seeder.lister)({ config, log: log.child('list') })
  const fetcher = fetchers.get(config.seeder.fetcher)({ config, log: log.child('fetch') })
  await lister.validate?.()
  const { node, swarm, privateKey, bans, refusedHandshakes } = await startBase(config, '/ip4/0.0.0.0/tcp/4001', log, 'seeder')
  const self = (): { peerId: string, addrs: string[] } => ({
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, ''))
  })
  const server = createSwarmServer({ swarm, privateKey, self, log: log.child('serve'), onSourceChanged: () => { kick() } }, { stateDir: config.DEFAULT.state_dir, blockSize: config.swarm.block_size })
  const announcer = await createAnnouncer({ node, log: log.child('distribute') }, { topic: config.DEFAULT.topic, interval: config.seeder.announce_interval })
  const controller = new AbortController()
  let current: ImageRef[] = []
  let failures = 0
  const generations = await openGeneration(config.DEFAULT.state_dir)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  /** an image was still being written at the last listing: look again soon */
  let settling = false
  /** the last error of each image that failed, so it is logged once */
  const failed = new Map<string, string>()
  /** runs a pass now (or right after the current one): a served file changed */
  const kick = (): void => { if (!controller.signal.aborted) void refresh().catch(() => {}) }

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
      log.error(`listing images failed (keeping the previous ${current.length}): ${errorMessage(err)}`)
      throw err
    }
    const wanted = new Set(listed.map(i => i.id))
    for (const old of current) {
      if (wanted.has(old.id)) continue
      log(`image ${old.id} is no longer listed: withdrawing it`)
      await announcer.withdraw(old.id)
      await server.unserve(old.id)
      await fetcher.release?.(old)
    }
    current = listed
    settling = listed.some(i => i.settling === true)
    for (const image of listed) {
      if (image.settling === true) {
        log.debug(`image ${image.id} is still changing: looking again in a few seconds`)
        continue
      }
      try {
        const fetched = await fetcher.fetch(image, signal)
        if (fetched.size === 0) throw new InputFileError(`${image.name ?? image.id} is empty (0 bytes): not served`)
        const meta: ImageMeta = { ...await server.serve(image.id, fetched.path, signal) }
        if (image.name != null) meta.name = image.name
        if (image.diskFormat != null) meta.diskFormat = image.diskFormat
        if (image.pin === true) meta.pin = true
        const before = announcer.catalogue().find(m => m.imageId === image.id)
        if (before?.manifestId !== meta.manifestId || before.pin !== meta.pin) {
          log(`serving image ${image.id}`, { size: meta.size, manifest: meta.manifestId })
          await announcer.cache(meta)
        }
        failed.delete(image.id)
      } catch (err) {
        if (signal?.aborted === true) throw err
        metrics.fetchError()
        // once per problem, not at every period
        if (failed.get(image.id) !== errorMessage(err)) log.error(`image ${image.id}: ${errorMessage(err)} (will retry next period)`)
        failed.set(image.id, errorMessage(err))
      }
    }
    for (const id of [...failed.keys()]) if (!wanted.has(id)) failed.delete(id)
    // the catalogue now answers for this listing only if every listed image is in it
    const served = new Set(announcer.catalogue().map(m => m.imageId))
    const complete = listed.every(i => served.has(i.id))
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
      () => { if (!controller.signal.aborted) schedule(Math.min(config.seeder.interval, DEFAULT_LIST_RETRY * 2 ** Math.min(failures - 1, 6))) })
    await p
  }
  const schedule = (ms: number): void => {
    if (timer != null) clearTimeout(timer)
    timer = setTimeout(() => { pass().catch(() => {}) }, ms)
  }
  // refreshes asked for while one waits are served by that one
  let pendingRefresh: Promise<{ images: number }> | undefined
  const refresh = async (): Promise<{ images: number }> => {
    pendingRefresh ??= (async () => {
      await running
      pendingRefresh = undefined
      if (controller.signal.aborted) throw new Error('the seeder is stopping')
      log('re-listing now (refresh)')
      await pass()
      return { images: current.length }
    })()
    return await pendingRefresh
  }

  const fleet = createFleet({ seeder: node.peerId.toString(), peerTimeout: config.seeder.peer_timeout })
  const stopReports = await handleReports(node, (peerId, report) => { fleet.record(peerId, report) })
  const admin = await startAdminServer(config, {
    fleet: () => fleet.view(announcer.catalogue().map(m => ({ imageId: m.imageId, name: m.name, size: m.size }))),
    refresh
  }, log)
  schedule(0)

  const stopStatus = startStatusFile(config.DEFAULT.status_file, () => ({
    role: 'seeder',
    peerId: node.peerId.toString(),
    data: swarm.data(),
    sentBytes: swarm.torrents().reduce((n, t) => n + t.ledger.totalSent, 0),
    subscribers: announcer.subscribers(),
    catalogue: { generation: generations.current(), complete: announcer.complete() },
    images: announcer.catalogue().map(m => {
      const t = swarm.get(m.manifestId)
      return {
        imageId: m.imageId,
        manifestId: m.manifestId,
        size: m.size,
        sentBytes: t?.ledger.totalSent ?? 0,
        neighbours: t?.neighbours.length ?? 0,
        refusedRequests: t?.refusedRequests ?? 0,
        served: t != null && !t.corrupt
      }
    }),
    bans: bans.records(),
    refusedHandshakes: refusedHandshakes()
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
      await metricsServer?.close()
      await admin.close()
      await stopReports()
      await stopStatus()
      await announcer.stop()
      await swarm.stop()
      await node.stop()
    }
  }
}

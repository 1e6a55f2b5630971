/**
 * Prometheus metrics of one precache process (`[DEFAULT] metrics_listen`).
 *
 * Counters are bumped where things happen (the swarm's block sessions, the
 * roles' listing and fetch loops); gauges are read from the role's own state
 * at scrape time through a {@link MetricsSource}, so they can never drift from
 * what the status file and `precache status` say. Names follow Prometheus
 * conventions: `precache_` prefix, base units, `_total` counters, no
 * per-peer or per-block labels.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Where received block bytes came from: a seeder, another peer, or reused from a local copy */
export type ByteSource = 'seeder' | 'peer' | 'reused'

/** What the role reports at scrape time */
export interface MetricsSource {
  /** images by state (e.g. cached, downloading, failed; served on a seeder) */
  imagesByState: () => Record<string, number>
  /** libp2p connections open now */
  connectedPeers: () => number
  /** block-exchange sessions open now, over every image */
  sessions: () => number
}

export interface Metrics {
  readonly registry: Registry
  /** called once by the role that runs in this process */
  setSource: (role: 'seeder' | 'peer', version: string, source: MetricsSource) => void
  /** peer ids whose bytes count as `source="seeder"` */
  setSeeders: (peerIds: Iterable<string>) => void
  received: (from: string, bytes: number) => void
  receivedFrom: (source: ByteSource, bytes: number) => void
  sent: (bytes: number) => void
  blockVerified: () => void
  blockRejected: () => void
  downloaded: (seconds: number) => void
  listing: (ok: boolean) => void
  fetchError: () => void
}

/** Download duration buckets: 1 s to ~2 h */
export const DURATION_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200]

export function createMetrics (init: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (init.defaults ?? true) collectDefaultMetrics({ register: registry })
  let source: MetricsSource | undefined
  let seeders = new Set<string>()
  const registers = [registry]

  const build = new Gauge({ name: 'precache_build_info', help: 'precache version and role of this process (always 1)', labelNames: ['version', 'role', 'node'], registers })
  const received = new Counter({ name: 'precache_received_bytes_total', help: 'Image bytes received, by source: seeder, peer (another compute host) or reused (from a local copy)', labelNames: ['source'], registers })
  for (const s of ['seeder', 'peer', 'reused']) received.inc({ source: s }, 0)
  const sent = new Counter({ name: 'precache_sent_bytes_total', help: 'Block bytes sent to other nodes', registers })
  const verified = new Counter({ name: 'precache_blocks_verified_total', help: 'Blocks received whose hash matched the manifest and were stored', registers })
  const rejected = new Counter({ name: 'precache_blocks_rejected_total', help: 'Blocks received whose hash did not match the manifest (dropped; the sender gets a strike)', registers })
  const duration = new Histogram({ name: 'precache_download_duration_seconds', help: 'Time from the start of an image download to its verified placement', buckets: DURATION_BUCKETS, registers })
  const listingErrors = new Counter({ name: 'precache_listing_errors_total', help: 'Image listings that failed (the previous list is kept)', registers })
  const fetchErrors = new Counter({ name: 'precache_fetch_errors_total', help: 'Image fetches or serves that failed on the seeder (retried next period)', registers })
  const lastListing = new Gauge({ name: 'precache_last_successful_listing_timestamp_seconds', help: 'Unix time of the last successful image listing (0 = none yet)', registers })
  // gauges read from the role at scrape time
  const images = new Gauge({
    name: 'precache_images',
    help: 'Images by state on this node',
    labelNames: ['state'],
    registers,
    collect () {
      this.reset()
      for (const [state, n] of Object.entries(source?.imagesByState() ?? {})) this.set({ state }, n)
    }
  })
  const peers = new Gauge({ name: 'precache_connected_peers', help: 'libp2p connections open now (seeders and peers)', registers, collect () { this.set(source?.connectedPeers() ?? 0) } })
  const sessions = new Gauge({ name: 'precache_sessions', help: 'Block-exchange sessions open now, over every image', registers, collect () { this.set(source?.sessions() ?? 0) } })
  void images; void peers; void sessions

  return {
    registry,
    setSource (role, version, s) {
      source = s
      build.reset()
      build.set({ version, role, node: process.version }, 1)
    },
    setSeeders (ids) { seeders = new Set(ids) },
    received (from, bytes) { received.inc({ source: seeders.has(from) ? 'seeder' : 'peer' }, bytes) },
    receivedFrom (s, bytes) { received.inc({ source: s }, bytes) },
    sent (bytes) { sent.inc(bytes) },
    blockVerified () { verified.inc() },
    blockRejected () { rejected.inc() },
    downloaded (seconds) { duration.observe(seconds) },
    listing (ok) {
      if (ok) lastListing.set(Date.now() / 1000)
      else listingErrors.inc()
    },
    fetchError () { fetchErrors.inc() }
  }
}

/**
 * The process's metrics. One role runs per process, and the swarm's sessions
 * count into this instance without every layer passing it along; it costs a
 * few additions per block when nobody scrapes.
 */
export const metrics: Metrics = createMetrics()

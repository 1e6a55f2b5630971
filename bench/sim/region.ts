/**
 * One simulated region: an origin (the seeder) and N hosts, each with its
 * own uplink and downlink, all starting when the image is announced; some
 * hosts may be slow, some may crash and come back. Reports what bench:net
 * reports, against the same lower bound T*.
 */
import { lowerBoundSeconds, type CompletionFigures } from '../net/bound.js'
import { createEventLoop } from './events.js'
import { createFlowNetwork } from './flows.js'
import { createSimSwarm } from './swarm.js'
import { DEFAULT_MAX_NEIGHBOURS, DEFAULT_REQUESTS_PER_PEER } from '../../src/swarm/engine.js'
import { DEFAULT_REQUEST_TIMEOUT } from '../../src/swarm/session.js'
import { DEFAULT_MAX_BLOCK_PEERS } from '../../src/swarm/policy.js'

export interface RegionInit {
  hosts: number
  /** bytes/s, up = down */
  rate: number
  originRate: number
  sizeBytes: number
  blockSize: number
  slowFraction?: number
  slowRate?: number
  /** fraction of hosts that crash once during the transfer and come back */
  churn?: number
  /** seconds a crashed host stays away. @default 5 */
  churnDowntime?: number
  /** one-way latency between hosts, seconds. @default 0.0005 */
  latency?: number
  /** share of a link's nominal rate TCP payload gets (tc counts frames). @default 0.956 */
  efficiency?: number
  /** all hosts share one machine: cores and CPU-seconds per byte delivered */
  cpu?: { cores: number, secondsPerByte: number }
  maxBlockPeers?: number
  maxNeighbours?: number
  requestsPerPeer?: number
  uploadSlots?: number
  seederSlots?: number
  lookahead?: number
  requestBudget?: number
  maxQueuedUploads?: number
  /**
   * Bytes a block stream keeps unacknowledged (yamux's window, when blocks
   * cross libp2p streams); turns on the queueing model of flows.ts.
   * @default Infinity (no window model)
   */
  window?: number
  /** blocks share the session's message stream (no bulk channel), so messages queue behind them */
  headOfLine?: boolean
  /** rate recomputation quantum, seconds (0 = exact). @default 0.002 */
  quantum?: number
  seed?: number
  /** give up after this many × T*. @default 20 */
  timeLimit?: number
}

export interface RegionResult extends CompletionFigures {
  hosts: number
  blockSize: number
  /** every online host holds every block */
  allComplete: boolean
  seederPeakSessions: number
  maxBlockPeers: number
  /** peers that dialled the seeder at least once */
  seederContacts: number
  firstPassRepeats: number
  maxSentCount: number
  peerPeakSessions: number
  duplicateOverSize: number
  events: number
  recomputations: number
  /** flows refilled per recomputation, on average (the touched component) */
  refilledPerRecomputation: number
  wallSeconds: number
  hostSeconds: number[]
}

export function seededRandom (seed: number): () => number {
  // mulberry32
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function runRegion (r: RegionInit): RegionResult {
  const wallStart = performance.now()
  const random = seededRandom(r.seed ?? 1)
  const eff = r.efficiency ?? 0.956
  const slowCount = Math.round((r.slowFraction ?? 0) * r.hosts)
  const rates = Array.from({ length: r.hosts }, (_, i) => i < slowCount ? (r.slowRate ?? r.rate) : r.rate)
  const boundSeconds = lowerBoundSeconds({ sizeBytes: r.sizeBytes, originUp: r.originRate, hosts: rates.map(x => ({ up: x, down: x })) })
  const loop = createEventLoop()
  const net = createFlowNetwork(loop, { quantum: r.quantum ?? 0.002, window: r.window, baseRtt: 2 * (r.latency ?? 0.0005) })
  const shared = r.cpu != null ? [net.addResource(r.cpu.cores / r.cpu.secondsPerByte)] : []
  const blockCount = Math.max(1, Math.ceil(r.sizeBytes / r.blockSize))
  const maxBlockPeers = r.maxBlockPeers ?? DEFAULT_MAX_BLOCK_PEERS
  const swarm = createSimSwarm(loop, net, {
    blockCount,
    blockSize: r.blockSize,
    lastBlockSize: r.sizeBytes - (blockCount - 1) * r.blockSize,
    requestsPerPeer: r.requestsPerPeer ?? DEFAULT_REQUESTS_PER_PEER,
    maxNeighbours: r.maxNeighbours ?? DEFAULT_MAX_NEIGHBOURS,
    maxBlockPeers,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT,
    latency: r.latency ?? 0.0005,
    handshakeRtts: 3,
    random,
    uploadSlots: r.uploadSlots ?? 1000,
    maxQueuedUploads: r.maxQueuedUploads ?? 1e9,
    seederSlots: r.seederSlots,
    lookahead: r.lookahead,
    queueing: r.window != null && r.window !== Infinity,
    headOfLine: r.headOfLine,
    window: r.window,
    requestBudget: r.requestBudget,
    shared
  })
  const seeder = swarm.addHost(true, net.addResource(r.originRate * eff, true), net.addResource(r.originRate * eff, true))
  // slow hosts spread through the id space
  const order = Array.from({ length: r.hosts }, (_, i) => i).sort(() => random() - 0.5)
  const peers = order.map(i => swarm.addHost(false, net.addResource(rates[i] * eff, true), net.addResource(rates[i] * eff, true)))
  // the seeder has seen every peer (they asked for its catalogue when they started)
  for (const p of peers) seeder.known.set(p.id, -Infinity)
  for (const p of peers) swarm.start(p)

  const churned = Math.round((r.churn ?? 0) * r.hosts)
  const downtime = r.churnDowntime ?? 5
  for (const p of peers.slice().sort(() => random() - 0.5).slice(0, churned)) {
    loop.at(random() * boundSeconds * 0.8, () => {
      swarm.crash(p)
      loop.after(downtime, () => { swarm.start(p) })
    })
  }

  const limit = boundSeconds * (r.timeLimit ?? 20)
  // stop as soon as every peer is whole (the timers would run forever)
  let left = peers.length
  const check = loop.every(0.05, () => {
    left = peers.filter(p => Number.isNaN(p.doneAt)).length
    if (left === 0) loop.stop()
  })
  loop.run(limit)
  check()

  const secs = peers.map(p => p.doneAt)
  const sorted = secs.slice().sort((a, b) => a - b)
  const last = sorted[sorted.length - 1]
  const p50 = sorted[Math.floor((sorted.length - 1) / 2)]
  const counts = swarm.seederSentCounts[0]
  return {
    hosts: r.hosts,
    sizeBytes: r.sizeBytes,
    blockSize: r.blockSize,
    boundSeconds,
    lastSeconds: last,
    p50Seconds: p50,
    lastOverBound: last / boundSeconds,
    p50OverBound: p50 / boundSeconds,
    originEgressOverSize: seeder.sentBytes / r.sizeBytes,
    allComplete: peers.every(p => p.have.full()),
    seederPeakSessions: swarm.peakSeederSessions,
    maxBlockPeers,
    seederContacts: [...seeder.known.values()].filter(t => t !== -Infinity).length,
    firstPassRepeats: swarm.firstPassRepeats,
    maxSentCount: Math.max(...counts),
    peerPeakSessions: Math.max(...peers.map(p => p.peakSessions)),
    duplicateOverSize: peers.reduce((s, p) => s + p.duplicateBytes, 0) / r.sizeBytes,
    events: loop.events,
    recomputations: net.recomputations,
    refilledPerRecomputation: net.refilled / Math.max(1, net.recomputations),
    wallSeconds: (performance.now() - wallStart) / 1000,
    hostSeconds: secs
  }
}

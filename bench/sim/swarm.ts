/**
 * Simulated hosts running one image through the project's real scheduling
 * code: the picker (random-first, rarest-first, endgame), super-seeding, the
 * request budget and timeouts, admission, neighbour selection and peer
 * exchange (src/swarm/picker.ts, superseed.ts, policy.ts). What is simulated
 * is only what lies underneath: messages take the link latency, block bytes
 * are flows in the network model, hashing and disks are free.
 */
import { BitSet } from '../../src/swarm/bitset.js'
import { createPicker, type Picker } from '../../src/swarm/picker.js'
import { createSuperSeeder, type SuperSeeder } from '../../src/swarm/superseed.js'
import { admitSession, chooseDials, expiredRequests, mayRequest, PEER_SAMPLE, reconnectInterval, requestLimit, samplePeers } from '../../src/swarm/policy.js'
import type { EventLoop } from './events.js'
import type { FlowNetwork } from './flows.js'

export interface SwarmParams {
  blockCount: number
  blockSize: number
  lastBlockSize: number
  requestsPerPeer: number
  maxNeighbours: number
  maxBlockPeers: number
  requestTimeoutMs: number
  /** one-way latency between two hosts, seconds */
  latency: number
  /** round trips to open a session (TCP, noise, HELLO) */
  handshakeRtts: number
  random: () => number
  /** blocks a host sends at once, over all its sessions */
  uploadSlots: number
  /** requests a host queues over all sessions before it rejects more */
  maxQueuedUploads: number
  /** resources every flow also crosses (a shared CPU) */
  shared: number[]
  /** super-seeder offers outstanding in total (undefined: its default) */
  lookahead?: number
  requestBudget?: number
  /** messages wait behind link queues (the network's window model is on) */
  queueing?: boolean
  /** blocks cross the session's message stream: messages wait for the block being sent */
  headOfLine?: boolean
  /** that stream's flow-control window, bytes */
  window?: number
  /** upload slots of the seeder (undefined: uploadSlots) */
  seederSlots?: number
}

type Msg =
  | { t: 'bitfield', bits: BitSet }
  | { t: 'have', i: number }
  | { t: 'request', i: number }
  | { t: 'cancel', i: number }
  | { t: 'reject', i: number }
  | { t: 'block', i: number }
  | { t: 'peers', ids: number[] }

interface Session {
  remote: number
  key: string
  remoteHas: BitSet
  inFlight: Map<number, number>
  uploads: number[]
  flow: number
  open: boolean
}

export interface Host {
  id: number
  key: string
  seeder: boolean
  up: number
  down: number
  online: boolean
  have: BitSet
  picker?: Picker
  ss?: SuperSeeder
  sessions: Map<number, Session>
  dialling: Set<number>
  known: Map<number, number>
  /** time the image was whole (s), NaN until then */
  doneAt: number
  startedAt: number
  sentBytes: number
  receivedBytes: number
  duplicateBytes: number
  peakSessions: number
  stopTimers: Array<() => void>
  activeUploads: number
  waiting: Session[]
}

export interface Swarm {
  hosts: Host[]
  addHost: (seeder: boolean, up: number, down: number) => Host
  /** the host learns of the image and starts (or resumes) */
  start: (h: Host) => void
  /** the host goes away: sessions drop, flows stop; verified blocks stay */
  crash: (h: Host) => void
  readonly seederSentCounts: Uint32Array[]
  /** blocks the seeder sent a second time while some block had not been sent once */
  readonly firstPassRepeats: number
  readonly peakSeederSessions: number
}

export function createSimSwarm (loop: EventLoop, net: FlowNetwork, p: SwarmParams): Swarm {
  const hosts: Host[] = []
  const n = p.blockCount
  const blockBytes = (i: number): number => i === n - 1 ? p.lastBlockSize : p.blockSize
  const sentCounts: Uint32Array[] = []
  let peakSeederSessions = 0

  /** a message waits behind the queues of the sender's uplink and the receiver's downlink (window model; else 0) */
  const latencyOf = (from: Host, to: Host): number => p.latency + net.delay(from.up) + net.delay(to.down)

  /**
   * Blocks on the session's own stream (no bulk channel): a message is
   * written after the block being written to that neighbour (session.ts
   * chains every write on one outbox)
   */
  const behindBlock = (from: Host, to: number): number => {
    if (p.headOfLine !== true) return 0
    const s = from.sessions.get(to)
    if (s == null || s.flow < 0) return 0
    // the write returns once the block's last bytes fit in the stream's window
    return Math.min(60, Math.max(0, net.eta(s.flow) - (p.window ?? 0) / net.rate(s.flow)))
  }

  const send = (from: Host, to: number, msg: Msg): void => {
    loop.after(latencyOf(from, hosts[to]) + behindBlock(from, to), () => { deliver(hosts[to], from.id, msg) })
  }

  const limitFor = (h: Host): number => requestLimit(p.requestsPerPeer, h.sessions.size, p.requestBudget)

  const pump = (h: Host, s: Session): void => {
    const picker = h.picker
    if (!s.open || picker == null) return
    const limit = limitFor(h)
    while (mayRequest(s.inFlight.size, 0, limit)) {
      const index = picker.pick(s.key)
      if (index === undefined) break
      s.inFlight.set(index, loop.nowMs())
      send(h, s.remote, { t: 'request', i: index })
    }
  }

  /** a session with queued requests gets one of the host's upload slots, or waits for one */
  const slotsOf = (h: Host): number => h.seeder ? (p.seederSlots ?? p.uploadSlots) : p.uploadSlots

  const startUpload = (h: Host, s: Session): void => {
    if (s.flow >= 0 || s.uploads.length === 0 || !s.open) return
    if (h.activeUploads >= slotsOf(h)) { if (!h.waiting.includes(s)) h.waiting.push(s); return }
    h.activeUploads++
    const to = hosts[s.remote]
    const onDone = (flow: number): void => {
      const index = s.uploads.shift() as number
      const bytes = blockBytes(index)
      h.sentBytes += bytes

      h.ss?.uploaded(s.key, index)
      send(h, s.remote, { t: 'block', i: index })
      if (s.open && s.uploads.length > 0 && h.waiting.length === 0) { net.next(flow, blockBytes(s.uploads[0]), onDone); return }
      s.flow = -1
      h.activeUploads--
      if (s.open && s.uploads.length > 0) h.waiting.push(s)
      releaseSlot(h)
    }
    s.flow = net.start([h.up, to.down, ...p.shared], blockBytes(s.uploads[0]), onDone, [to.up, h.down])
  }

  const releaseSlot = (h: Host): void => {
    while (h.activeUploads < slotsOf(h) && h.waiting.length > 0) {
      const next = h.waiting.shift() as Session
      if (next.open && next.flow < 0 && next.uploads.length > 0) startUpload(h, next)
    }
  }

  const queued = (h: Host): number => { let q = 0; for (const s of h.sessions.values()) q += s.uploads.length; return q }

  const onBlock = (h: Host, index: number, from: number): void => {
    if (!h.have.set(index)) return
    for (const other of h.picker?.received(index, String(from)) ?? []) {
      const s = h.sessions.get(Number(other))
      if (s != null && s.inFlight.delete(index)) send(h, s.remote, { t: 'cancel', i: index })
    }
    // one event for the whole fan-out (every link has the same latency)
    const to = [...h.sessions.keys()]
    const msg: Msg = { t: 'have', i: index }
    if (p.queueing === true) { for (const r of to) send(h, r, msg) } else loop.after(p.latency, () => { for (const r of to) deliver(hosts[r], h.id, msg) })
    if (h.have.full()) {
      h.picker = undefined
      h.doneAt = loop.now
    }
  }

  const peersFor = (h: Host, exclude: number): number[] => {
    const pool = [...h.sessions.keys(), ...(h.seeder ? h.known.keys() : [])].filter(id => id !== exclude && hosts[id].online)
    return samplePeers([...new Set(pool)], PEER_SAMPLE, p.random)
  }

  const attach = (h: Host, remote: number): void => {
    const key = String(remote)
    const s: Session = { remote, key, remoteHas: new BitSet(n), inFlight: new Map(), uploads: [], flow: -1, open: true }
    h.sessions.set(remote, s)
    if (h.seeder) peakSeederSessions = Math.max(peakSeederSessions, h.sessions.size)
    h.peakSessions = Math.max(h.peakSessions, h.sessions.size)
    send(h, remote, { t: 'bitfield', bits: h.ss != null ? new BitSet(n) : cloneBits(h.have) })
    const peers = peersFor(h, remote)
    if (peers.length > 0) send(h, remote, { t: 'peers', ids: peers })
    h.ss?.addPeer(key)
  }

  const close = (h: Host, remote: number, tell: boolean): void => {
    const s = h.sessions.get(remote)
    if (s == null) return
    s.open = false
    h.sessions.delete(remote)
    if (s.flow >= 0) { net.abort(s.flow); s.flow = -1; h.activeUploads--; releaseSlot(h) }
    h.waiting = h.waiting.filter(w => w !== s)
    for (const index of s.inFlight.keys()) h.picker?.failed(index, s.key)
    s.inFlight.clear()
    h.picker?.removePeer(s.key)
    h.ss?.removePeer(s.key)
    for (const o of h.sessions.values()) pump(h, o)
    if (tell) loop.after(p.latency, () => { close(hosts[remote], h.id, false) })
  }

  /** h dials remote: after the handshake both sides attach, or remote turns h away with a peer list */
  const dial = (h: Host, remote: number): void => {
    h.dialling.add(remote)
    h.known.set(remote, loop.now)
    loop.after(p.latency * (2 * p.handshakeRtts - 1), () => {
      const r = hosts[remote]
      if (!r.online || !h.online || r.sessions.has(h.id)) { loop.after(p.latency, () => { h.dialling.delete(remote) }); return }
      if (!admitSession({ seeder: r.seeder, sessions: r.sessions.size, maxBlockPeers: p.maxBlockPeers, maxNeighbours: p.maxNeighbours })) {
        r.known.set(h.id, loop.now)
        const peers = peersFor(r, h.id)
        loop.after(p.latency, () => { h.dialling.delete(remote); if (h.online) onPeers(h, peers) })
        return
      }
      // scheduled before r's first messages, which arrive at the same instant
      loop.after(p.latency, () => {
        h.dialling.delete(remote)
        if (!h.online || !r.sessions.has(h.id) || h.sessions.has(remote)) return
        attach(h, remote)
      })
      attach(r, h.id)
      r.known.set(h.id, loop.now)
    })
  }

  /** dials candidates as engine.ts does: within the neighbour limit, dials in progress counted */
  const dialSome = (h: Host, candidates: string[]): void => {
    const dials = chooseDials(candidates, {
      localId: h.key,
      neighbours: h.sessions.size,
      dialling: h.dialling.size,
      maxNeighbours: p.maxNeighbours,
      busy: id => h.sessions.has(Number(id)) || h.dialling.has(Number(id))
    })
    for (const id of dials) dial(h, Number(id))
  }

  const onPeers = (h: Host, ids: number[]): void => {
    if (h.seeder) return
    for (const id of ids) if (id !== h.id && !h.known.has(id)) h.known.set(id, -Infinity)
    if (h.have.full()) return
    dialSome(h, ids.map(String))
  }

  const deliver = (h: Host, from: number, msg: Msg): void => {
    if (!h.online) return
    const s = h.sessions.get(from)
    if (msg.t === 'peers') { onPeers(h, msg.ids); return }
    if (s == null || !s.open) return
    switch (msg.t) {
      case 'bitfield':
        s.remoteHas.union(msg.bits)
        h.picker?.addPeer(s.key, s.remoteHas)
        h.ss?.remoteHas(s.key, s.remoteHas)
        pump(h, s)
        break
      case 'have':
        if (s.remoteHas.set(msg.i)) {
          h.picker?.peerHas(s.key, msg.i)
          h.ss?.remoteHave(s.key, msg.i)
          pump(h, s)
        }
        break
      case 'request':
        // a super-seeder serves only what it offered that neighbour, and records the request (superseed.ts)
        if (h.have.get(msg.i) && queued(h) < p.maxQueuedUploads && (h.ss?.requested(s.key, msg.i) ?? true)) { s.uploads.push(msg.i); startUpload(h, s) } else send(h, from, { t: 'reject', i: msg.i })
        break
      case 'cancel': {
        // the block being sent (uploads[0] with a flow running) cannot be taken back
        const at = s.uploads.indexOf(msg.i)
        if (at > 0 || (at === 0 && s.flow < 0)) s.uploads.splice(at, 1)
        break
      }
      case 'reject':
        if (s.inFlight.delete(msg.i)) { h.picker?.failed(msg.i, s.key); loop.after(0.1, () => { pump(h, s) }) }
        break
      case 'block': {
        const bytes = blockBytes(msg.i)
        const asked = s.inFlight.delete(msg.i)
        if (!asked && h.have.get(msg.i)) { h.duplicateBytes += bytes; break }
        h.receivedBytes += bytes
        if (h.have.get(msg.i)) h.duplicateBytes += bytes
        onBlock(h, msg.i, from)
        pump(h, s)
        break
      }
    }
  }

  const everySecond = (h: Host): void => {
    const now = loop.nowMs()
    for (const s of h.sessions.values()) {
      for (const index of expiredRequests(s.inFlight, now, p.requestTimeoutMs)) {
        s.inFlight.delete(index)
        send(h, s.remote, { t: 'cancel', i: index })
        h.picker?.failed(index, s.key)
      }
      pump(h, s)
    }
    h.ss?.tick()
  }

  /** reconnect to known nodes while incomplete (engine.ts "maintain", every 2 s) */
  const maintain = (h: Host): void => {
    if (h.seeder || h.have.full() || !h.online) return
    const candidates = [...h.known].filter(([id, last]) => loop.now * 1000 - last * 1000 >= reconnectInterval(h.sessions.size) && hosts[id] != null).map(([id]) => String(id))
    dialSome(h, samplePeers(candidates, candidates.length, p.random))
  }

  const swarm: Swarm = {
    hosts,
    get seederSentCounts () { return sentCounts },
    get firstPassRepeats () { return hosts.reduce((k, h) => k + (h.ss?.firstPassRepeats ?? 0), 0) },
    get peakSeederSessions () { return peakSeederSessions },
    addHost (seeder, up, down) {
      const h: Host = {
        id: hosts.length,
        key: String(hosts.length),
        seeder,
        up,
        down,
        online: seeder,
        have: new BitSet(n),
        sessions: new Map(),
        dialling: new Set(),
        known: new Map(),
        doneAt: NaN,
        startedAt: NaN,
        sentBytes: 0,
        receivedBytes: 0,
        duplicateBytes: 0,
        peakSessions: 0,
        stopTimers: [],
        activeUploads: 0,
        waiting: []
      }
      hosts.push(h)
      if (seeder) {
        for (let i = 0; i < n; i++) h.have.set(i)
        h.ss = createSuperSeeder({
          blockCount: n,
          lookahead: p.lookahead,
          now: loop.nowMs,
          offer: (peer, index) => { if (h.sessions.has(Number(peer))) send(h, Number(peer), { t: 'have', i: index }) }
        })
        sentCounts.push(h.ss.sentCounts)
        h.doneAt = 0
        h.stopTimers.push(loop.every(1, () => { everySecond(h) }))
      }
      return h
    },
    start (h) {
      h.online = true
      if (Number.isNaN(h.startedAt)) h.startedAt = loop.now
      if (!h.have.full()) h.picker = createPicker({ blockCount: n, have: h.have, random: p.random })
      // first tick at a random phase, as real processes started at different times
      const phase = p.random()
      loop.after(phase, () => { if (h.online) h.stopTimers.push(loop.every(1, () => { everySecond(h) })) })
      loop.after(phase * 2, () => { if (h.online) h.stopTimers.push(loop.every(2, () => { maintain(h) })) })
      for (const s of hosts.filter(x => x.seeder)) dial(h, s.id)
    },
    crash (h) {
      h.online = false
      for (const stop of h.stopTimers) stop()
      h.stopTimers = []
      for (const remote of [...h.sessions.keys()]) close(h, remote, true)
      h.dialling.clear()
      h.picker = undefined
    }
  }
  return swarm
}

function cloneBits (b: BitSet): BitSet {
  return BitSet.fromBytes(b.size, b.toBytes())
}

/**
 * The swarm: a thin facade over torrents (one per manifest), the block
 * protocol handler, dialling neighbours and peer exchange.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { CID } from 'multiformats/cid'
import { WireDecodeError, asError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { manifestCid } from '../image/manifest.js'
import type { PrecacheNode } from '../net/node.js'
import { readMessages, writeMessage } from './stream-io.js'
import { createTokenBucket } from '../util/token-bucket.js'
import { createTorrent, type PeerList, type Torrent } from './torrent.js'
import { DEFAULT_REQUEST_TIMEOUT } from './session.js'
import type { BlockStore } from './store.js'
import { BLOCK_PROTOCOL, MAX_ADDR_BYTES, MAX_ADDRS_PER_PEER, MAX_PEERS, type DecoderLimits, type Message } from './wire.js'
import { admitSession, chooseDials, DEFAULT_MAX_BLOCK_PEERS, PEER_SAMPLE, reconnectInterval, samplePeers } from './policy.js'
import { createDataPath, type DataPathInit, type DataPathStatus } from './data-path.js'
import type { BanList } from '../net/bans.js'
import { createBanList } from '../net/bans.js'
import { createRateLimitedLog } from '../log.js'

/** @default 8 */
export const DEFAULT_REQUESTS_PER_PEER = 8
/**
 * Neighbours a node dials for one image (found by peer exchange or known from
 * before); neighbours that dial it are accepted on top, and seeders are always
 * dialled. (4 saved CPU with 16 hosts on 2 cores but slowed the 8-host
 * scenarios: see README, Performance.)
 *
 * @default 16
 */
export const DEFAULT_MAX_NEIGHBOURS = 16
export { DEFAULT_RECONNECT_INTERVAL } from './policy.js'
/** Nodes remembered per image for reconnection and peer exchange. @default 1024 */
export const MAX_KNOWN = 1024
/**
 * Block-protocol streams allowed per connection in each direction (libp2p's
 * defaults, 32 in and 64 out, are below one stream per image for a big catalogue)
 *
 * @default 1024
 */
export const MAX_BLOCK_STREAMS = 1024
/** How often incomplete torrents look for nodes to reconnect to. @default 2000 */
export const DEFAULT_MAINTAIN_INTERVAL = 2000
/** Time allowed for dialling and the HELLO exchange (also the first-message deadline of an inbound stream). @default 10000 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000
/**
 * Block-protocol streams open at once with one peer (over all its
 * connections); one is needed per image the two exchange, so this also caps
 * the images a pair works on at the same time. More are reset at once.
 *
 * @default 64
 */
export const DEFAULT_MAX_STREAMS_PER_PEER = 64

export interface SwarmInit {
  requestsPerPeer?: number
  maxNeighbours?: number
  /** bytes/s, 0 = unlimited. @default 0 */
  uploadRate?: number
  /** bytes/s, 0 = unlimited. @default 0 */
  downloadRate?: number
  requestTimeout?: number
  /** @default DEFAULT_MAX_STREAMS_PER_PEER */
  maxStreamsPerPeer?: number
  /** block sessions a seeder serves at once (see policy.ts). @default 32 */
  maxBlockPeers?: number
  /** bulk channel settings (SPEC.md, Bulk channel) */
  data?: Pick<DataPathInit, 'encryption' | 'enabled' | 'host' | 'port' | 'strike' | 'isBanned'>
}

/** The IP address in a connection's remote multiaddr (undefined for other kinds of address) */
export function ipOf (addr: { toString: () => string } | undefined): string | undefined {
  const m = /^\/(ip4|ip6)\/([^/]+)\//.exec(addr?.toString() ?? '')
  return m?.[2]
}

export interface SwarmComponents {
  node: PrecacheNode
  log: Logger
  /** strikes and bans shared with the connection gater (a private list when absent) */
  bans?: BanList
}

export interface Source { peerId: string, addrs: string[] }

export interface AddTorrentInit {
  manifestId: string
  manifestBytes: Uint8Array
  signature: Uint8Array
  store: BlockStore
  superSeed: boolean
  /**
   * Our copy of a block turned out not to match the manifest (found when
   * reading it to send, or re-checked after a neighbour's CORRUPT): the
   * role stops serving this manifest and repairs or re-serves the image
   */
  onCorrupt?: (index: number) => void
}

export interface Swarm {
  add: (init: AddTorrentInit) => Torrent
  get: (manifestId: string) => Torrent | undefined
  /** opens sessions with these nodes for a torrent (skips ones we have) */
  connect: (torrent: Torrent, sources: Source[], signal?: AbortSignal) => Promise<void>
  /** asks nodes for a signed manifest; returns the first answer whose bytes match the id */
  fetchManifest: (manifestId: string, sources: Source[], signal?: AbortSignal) => Promise<{ manifestBytes: Uint8Array, signature: Uint8Array }>
  remove: (manifestId: string) => Promise<void>
  torrents: () => Torrent[]
  /** the bulk channel's state, for the status file */
  data: () => DataPathStatus
  stop: () => Promise<void>
}

export async function createSwarm (components: SwarmComponents, init: SwarmInit = {}): Promise<Swarm> {
  const { node, log } = components
  const bans = components.bans ?? createBanList()
  const maxStreamsPerPeer = init.maxStreamsPerPeer ?? DEFAULT_MAX_STREAMS_PER_PEER
  /** block-protocol streams open per remote peer, both directions */
  const streamsOf = new Map<string, number>()
  const track = (stream: Stream, remote: string): boolean => {
    const open = streamsOf.get(remote) ?? 0
    if (open >= maxStreamsPerPeer) return false
    streamsOf.set(remote, open + 1)
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      const left = (streamsOf.get(remote) ?? 1) - 1
      if (left <= 0) streamsOf.delete(remote)
      else streamsOf.set(remote, left)
    }
    stream.addEventListener('close', release, { once: true })
    if (stream.status !== 'open') release()
    return true
  }
  const refused = createRateLimitedLog(log.warn)
  const logRefused = (remote: string, why: string): void => { refused(remote, `refused a block stream from ${remote}: ${why}`, { event: 'stream-refused', remote }) }
  const torrents = new Map<string, Torrent>()
  const localId = node.peerId.toString()
  const requestsPerPeer = init.requestsPerPeer ?? DEFAULT_REQUESTS_PER_PEER
  const maxNeighbours = init.maxNeighbours ?? DEFAULT_MAX_NEIGHBOURS
  const maxBlockPeers = init.maxBlockPeers ?? DEFAULT_MAX_BLOCK_PEERS
  /** dials in progress per image, counted against the neighbour limit */
  const dialling = new Map<string, Set<string>>()
  const diallingFor = (t: Torrent): Set<string> => {
    let d = dialling.get(t.manifestId)
    if (d == null) { d = new Set(); dialling.set(t.manifestId, d) }
    return d
  }
  const busy = (t: Torrent) => (id: string): boolean => t.has(id) || diallingFor(t).has(id)
  const upload = createTokenBucket({ rate: init.uploadRate ?? 0 })
  const download = createTokenBucket({ rate: init.downloadRate ?? 0 })
  const dataPath = await createDataPath({
    strike: (peer, reason) => { bans.strike(peer, reason) },
    isBanned: (peer) => bans.isBanned(peer),
    ...init.data,
    localPeerId: node.peerId.toMultihash().bytes,
    peerIdText: (bytes) => peerIdFromMultihash(Digest.decode(bytes)).toString(),
    log: log.child('data')
  })
  const remoteHostOf = (peerId: string): string | undefined => ipOf(node.getConnections(peerIdFromString(peerId))[0]?.remoteAddr)

  const dialTarget = (src: Source): Multiaddr[] | PeerId => src.addrs.length > 0
    ? src.addrs.map(a => multiaddr(a.includes('/p2p/') ? a : `${a}/p2p/${src.peerId}`))
    : peerIdFromString(src.peerId)

  /** every node known to work on a torrent (seeders, peer exchange), to reconnect to */
  const known = new Map<string, Map<string, Source & { lastTry: number, anchor: boolean }>>()
  /** `anchor`: a node given to `connect` (a seeder), kept in touch with even after the torrent completes */
  const remember = (t: Torrent, src: Source, anchor = false): void => {
    let m = known.get(t.manifestId)
    if (m == null) { m = new Map(); known.set(t.manifestId, m) }
    const had = m.get(src.peerId)
    if (had != null) { had.anchor ||= anchor; return }
    if (src.peerId === localId) return
    if (m.size >= MAX_KNOWN) {
      // forget the oldest node that is not a seeder given to `connect`
      for (const [id, e] of m) if (!e.anchor) { m.delete(id); break }
    }
    m.set(src.peerId, { ...src, lastTry: Date.now(), anchor })
  }

  const cidBytes = (id: string): Uint8Array => CID.parse(id).bytes

  /** a random sample of the nodes working on this image (a seeder also passes on the nodes it turned away) */
  const peerListFor = async (t: Torrent, exclude: string): Promise<PeerList> => {
    const out: PeerList = []
    const pool = new Set([...t.neighbours, ...(t.superSeeder != null ? known.get(t.manifestId)?.keys() ?? [] : [])])
    pool.delete(exclude)
    for (const id of samplePeers([...pool], Math.min(PEER_SAMPLE, MAX_PEERS))) {
      const peer = await node.peerStore.get(peerIdFromString(id)).catch(() => undefined)
      const addrs = (peer?.addresses ?? []).map(a => a.multiaddr.bytes).filter(b => b.length <= MAX_ADDR_BYTES).slice(0, MAX_ADDRS_PER_PEER)
      if (peer != null && addrs.length > 0) out.push({ id: peer.id.toMultihash().bytes, addrs })
    }
    return out
  }

  /** first message a HELLO, then blocks up to the manifest's block size; a MANIFEST only when asked for */
  const handshake = async (stream: Stream, manifestId: string, seeder: boolean, signal: AbortSignal, after: DecoderLimits): Promise<AsyncIterator<Message>> => {
    const limits: DecoderLimits = { helloOnly: true }
    const messages = readMessages(stream, limits)[Symbol.asyncIterator]()
    await writeMessage(stream, { type: 'hello', manifestId: cidBytes(manifestId), seeder })
    const first = await Promise.race([messages.next(), new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => { reject(new WireDecodeError('no HELLO from neighbour in time')) }, { once: true })
    })])
    if (first.done === true || first.value.type !== 'hello' || CID.decode(first.value.manifestId).toString() !== manifestId) {
      throw new WireDecodeError('neighbour answered with something other than HELLO for this manifest')
    }
    Object.assign(limits, { helloOnly: false }, after)
    return messages
  }

  const open = async (t: Torrent, src: Source, signal?: AbortSignal): Promise<void> => {
    if (src.peerId === localId || t.has(src.peerId)) return
    // libp2p ties a stream to the signal it was opened with for the stream's
    // whole life: give it one that only the handshake timer (or the caller)
    // aborts, and stop the timer once the session is running
    const controller = new AbortController()
    const timer = setTimeout(() => { controller.abort(new WireDecodeError('no HELLO from neighbour in time')) }, DEFAULT_HANDSHAKE_TIMEOUT)
    const onAbort = (): void => { controller.abort(signal?.reason) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (bans.isBanned(src.peerId)) return
      const stream = await node.dialProtocol(dialTarget(src), BLOCK_PROTOCOL, { signal: controller.signal, maxOutboundStreams: maxStreamsPerPeer })
      if (!track(stream, src.peerId)) { stream.abort(new Error('too many streams')); return }
      try {
        const messages = await handshake(stream, t.manifestId, t.superSeeder != null, controller.signal, sessionLimits(t))
        t.attach(stream, messages, src.peerId, { outbound: true, peers: await peerListFor(t, src.peerId), remoteHost: remoteHostOf(src.peerId) })
      } catch (err) {
        stream.abort(asError(err))
        throw err
      }
    } finally {
      clearTimeout(timer)
    }
  }

  const sessionLimits = (t: Torrent): DecoderLimits => ({ maxBlockSize: t.store.manifest.blockSize, maxManifestBytes: 0 })

  /** opens a session, counting the dial against the neighbour limit while it lasts */
  const dial = (t: Torrent, src: Source, what: string): void => {
    const d = diallingFor(t)
    d.add(src.peerId)
    open(t, src)
      .catch((err: unknown) => { log.debug(`could not ${what} ${src.peerId}: ${errorMessage(err)}`) })
      .finally(() => { d.delete(src.peerId) })
  }

  const onPeers = (t: Torrent, peers: PeerList): void => {
    if (t.superSeeder != null) return
    const offered = new Map<string, string[]>()
    for (const p of peers) {
      let id: string
      try { id = peerIdFromMultihash(Digest.decode(p.id)).toString() } catch { continue }
      const addrs: string[] = []
      for (const a of p.addrs) { try { addrs.push(multiaddr(a).toString()) } catch {} }
      if (id === localId || addrs.length === 0) continue
      remember(t, { peerId: id, addrs })
      offered.set(id, addrs)
    }
    if (t.store.have.full()) return
    const dials = chooseDials(offered.keys(), { localId, neighbours: t.neighbours.length, dialling: diallingFor(t).size, maxNeighbours, busy: busy(t) })
    for (const id of dials) dial(t, { peerId: id, addrs: offered.get(id) as string[] }, 'reach')
  }

  // sessions end (restarts, resets, idle timeouts): while a torrent is
  // incomplete, reconnect to the nodes it knows, each at most every
  // DEFAULT_RECONNECT_INTERVAL; once complete, stay in touch with its seeders,
  // so that a restarted seeder learns again who holds the image and points
  // newcomers at them
  const maintain = setInterval(() => {
    for (const t of torrents.values()) {
      if (t.superSeeder != null) continue
      const m = known.get(t.manifestId)
      if (m == null) continue
      const complete = t.store.have.full()
      const wait = reconnectInterval(t.neighbours.length, complete)
      const due = [...m.values()].filter(src => (!complete || src.anchor) && Date.now() - src.lastTry >= wait).map(src => src.peerId)
      const dials = complete
        ? due.filter(id => !busy(t)(id))
        : chooseDials(samplePeers(due, due.length), { localId, neighbours: t.neighbours.length, dialling: diallingFor(t).size, maxNeighbours, busy: busy(t) })
      for (const id of dials) {
        const src = m.get(id) as Source & { lastTry: number }
        src.lastTry = Date.now()
        dial(t, src, 'reconnect to')
      }
    }
  }, DEFAULT_MAINTAIN_INTERVAL)
  maintain.unref()

  await node.handle(BLOCK_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const remote = connection.remotePeer.toString()
    if (bans.isBanned(remote)) { stream.abort(new Error('banned')); return }
    if (!track(stream, remote)) {
      logRefused(remote, `more than ${maxStreamsPerPeer} streams open`)
      stream.abort(new Error('too many streams'))
      return
    }
    // the first message must be a HELLO, within the deadline
    const signal = AbortSignal.timeout(DEFAULT_HANDSHAKE_TIMEOUT)
    const limits: DecoderLimits = { helloOnly: true }
    let timer: NodeJS.Timeout | undefined
    try {
      const messages = readMessages(stream, limits)[Symbol.asyncIterator]()
      const first = await Promise.race([messages.next(), new Promise<never>((_resolve, reject) => {
        // not a strike: a slow or overloaded honest node may miss it too
        timer = setTimeout(() => { reject(new Error(`no HELLO within ${DEFAULT_HANDSHAKE_TIMEOUT / 1000} s`)) }, DEFAULT_HANDSHAKE_TIMEOUT)
      })])
      clearTimeout(timer)
      if (first.done === true || first.value.type !== 'hello') throw new WireDecodeError('expected HELLO')
      const t = torrents.get(CID.decode(first.value.manifestId).toString())
      if (t == null) { stream.abort(new Error('unknown manifest')); return }
      Object.assign(limits, { helloOnly: false }, sessionLimits(t))
      await writeMessage(stream, { type: 'hello', manifestId: first.value.manifestId, seeder: t.superSeeder != null })
      remember(t, { peerId: remote, addrs: [] }) // dialled later by peer id (addresses from identify)
      if (!t.has(remote) && !admitSession({ seeder: t.superSeeder != null, sessions: t.neighbours.length, maxBlockPeers, maxNeighbours })) {
        // full: pass on other nodes to fetch from, answer a node that only
        // wants the signed manifest, and end the stream
        t.turnedAway++
        const peers = await peerListFor(t, remote)
        if (peers.length > 0) await writeMessage(stream, { type: 'peers', peers })
        const next = await Promise.race([messages.next(), new Promise<undefined>(resolve => { signal.addEventListener('abort', () => { resolve(undefined) }, { once: true }) })])
        if (next?.done === false && next.value.type === 'manifest-request') await writeMessage(stream, { type: 'manifest', manifest: t.manifestBytes, signature: t.signature })
        await stream.close()
        return
      }
      t.attach(stream, messages, remote, { outbound: false, peers: await peerListFor(t, remote), remoteHost: ipOf(connection.remoteAddr) })
    } catch (err) {
      clearTimeout(timer)
      if (err instanceof WireDecodeError) {
        bans.strike(remote, `block protocol: ${err.message}`)
        logRefused(remote, err.message)
      } else {
        log.debug(`block stream from ${remote} ended before its session started: ${errorMessage(err)}`)
      }
      stream.abort(asError(err))
    }
  }, { maxInboundStreams: maxStreamsPerPeer, maxOutboundStreams: maxStreamsPerPeer })

  const swarm: Swarm = {
    add (a) {
      const t = createTorrent({
        ...a,
        localId,
        requestsPerPeer,
        requestTimeout: init.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
        upload,
        download,
        log: log.child(a.store.manifest.imageId),
        bans,
        onCorrupt: a.onCorrupt,
        dataPath,
        onPeers: (peers) => { onPeers(t, peers) }
      })
      torrents.set(a.manifestId, t)
      return t
    },
    get: (id) => torrents.get(id),
    async connect (t, sources, signal) {
      for (const s of sources) remember(t, s, true)
      await Promise.all(sources.map(async s => { await open(t, s, signal).catch((err: unknown) => { log.debug(`could not open a session with ${s.peerId}: ${errorMessage(err)}`) }) }))
    },
    async fetchManifest (manifestId, sources, signal) {
      const errors: string[] = []
      for (const src of sources) {
        const sig = AbortSignal.any([AbortSignal.timeout(DEFAULT_HANDSHAKE_TIMEOUT * 3), ...(signal != null ? [signal] : [])])
        let stream: Stream | undefined
        try {
          stream = await node.dialProtocol(dialTarget(src), BLOCK_PROTOCOL, { signal: sig, maxOutboundStreams: maxStreamsPerPeer })
          const messages = await handshake(stream, manifestId, false, sig, { maxBlockSize: 0 })
          await writeMessage(stream, { type: 'manifest-request' })
          for (let r = await messages.next(); r.done !== true; r = await messages.next()) {
            if (r.value.type !== 'manifest') continue
            const got = (await manifestCid(r.value.manifest)).toString()
            if (got !== manifestId) throw new WireDecodeError(`manifest bytes hash to ${got}`)
            return { manifestBytes: r.value.manifest, signature: r.value.signature }
          }
          throw new WireDecodeError('stream ended without a manifest')
        } catch (err) {
          errors.push(`${src.peerId}: ${errorMessage(err)}`)
        } finally {
          stream?.abort(new Error('done'))
        }
      }
      throw new WireDecodeError(`could not fetch manifest ${manifestId}: ${errors.join('; ')}`)
    },
    async remove (id) {
      const t = torrents.get(id)
      if (t == null) return
      torrents.delete(id)
      known.delete(id)
      dialling.delete(id)
      t.stop()
      await t.store.close()
    },
    torrents: () => [...torrents.values()],
    data: () => dataPath.status(),
    async stop () {
      clearInterval(maintain)
      for (const id of [...torrents.keys()]) await swarm.remove(id)
      await node.unhandle(BLOCK_PROTOCOL)
      await dataPath.close()
    }
  }
  return swarm
}

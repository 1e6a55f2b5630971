/**
 * The swarm: a thin facade over torrents (one per manifest), dialling
 * neighbours and peer exchange. Which streams and sessions are accepted is
 * admission.ts; the HELLO exchange handshake.ts; the nodes known per image and
 * the reconnect loop reconnect.ts.
 */
import type { PeerId, Stream } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { WireDecodeError, asError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { manifestCid } from '../image/manifest.js'
import type { PrecacheNode } from '../net/node.js'
import { writeMessage } from './stream-io.js'
import { createTokenBucket } from '../util/token-bucket.js'
import { createTorrent, type PeerList, type Torrent } from './torrent.js'
import { DEFAULT_REQUEST_TIMEOUT } from './session.js'
import type { BlockStore } from './store.js'
import { BLOCK_PROTOCOL, MAX_ADDR_BYTES, MAX_ADDRS_PER_PEER, MAX_PEERS } from './wire.js'
import { chooseDials, DEFAULT_MAX_BLOCK_PEERS, PEER_SAMPLE, samplePeers } from './policy.js'
import { createDataPath, type DataPathInit, type DataPathStatus } from './data-path.js'
import type { BanList } from '../net/bans.js'
import { createBanList } from '../net/bans.js'
import { createRateLimitedLog } from '../log.js'
import { createInboundHandler, createStreamCounter, DEFAULT_MAX_STREAMS_PER_PEER, ipOf } from './admission.js'
import { DEFAULT_HANDSHAKE_TIMEOUT, helloExchange, sessionLimits } from './handshake.js'
import { createNeighbourBook, startMaintenance, type Source } from './reconnect.js'

export { DEFAULT_MAX_STREAMS_PER_PEER, ipOf } from './admission.js'
export { DEFAULT_HANDSHAKE_TIMEOUT } from './handshake.js'
export { DEFAULT_MAINTAIN_INTERVAL, MAX_KNOWN, type Source } from './reconnect.js'
export { DEFAULT_RECONNECT_INTERVAL } from './policy.js'

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
/**
 * Block-protocol streams allowed per connection in each direction (libp2p's
 * defaults, 32 in and 64 out, are below one stream per image for a big catalogue)
 *
 * @default 1024
 */
export const MAX_BLOCK_STREAMS = 1024
/** Deadline for fetching a signed manifest from one node, in multiples of the handshake timeout. @default 3 */
const MANIFEST_FETCH_HANDSHAKES = 3

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

export interface SwarmComponents {
  node: PrecacheNode
  log: Logger
  /** strikes and bans shared with the connection gater (a private list when absent) */
  bans?: BanList
}

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
  const track = createStreamCounter(maxStreamsPerPeer)
  const refused = createRateLimitedLog(log.warn)
  const logRefused = (remote: string, why: string): void => { refused(remote, `refused a block stream from ${remote}: ${why}`, { event: 'stream-refused', remote }) }
  const torrents = new Map<string, Torrent>()
  const localId = node.peerId.toString()
  const requestsPerPeer = init.requestsPerPeer ?? DEFAULT_REQUESTS_PER_PEER
  const maxNeighbours = init.maxNeighbours ?? DEFAULT_MAX_NEIGHBOURS
  const maxBlockPeers = init.maxBlockPeers ?? DEFAULT_MAX_BLOCK_PEERS
  /** every node known to work on a torrent (seeders, peer exchange), to reconnect to; dials in progress */
  const book = createNeighbourBook(localId)
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

  /** a random sample of the nodes working on this image (a seeder also passes on the nodes it turned away) */
  const peerListFor = async (t: Torrent, exclude: string): Promise<PeerList> => {
    const out: PeerList = []
    const pool = new Set([...t.neighbours, ...(t.superSeeder != null ? book.knownIds(t.manifestId) : [])])
    pool.delete(exclude)
    for (const id of samplePeers([...pool], Math.min(PEER_SAMPLE, MAX_PEERS))) {
      const peer = await node.peerStore.get(peerIdFromString(id)).catch(() => undefined)
      const addrs = (peer?.addresses ?? []).map(a => a.multiaddr.bytes).filter(b => b.length <= MAX_ADDR_BYTES).slice(0, MAX_ADDRS_PER_PEER)
      if (peer != null && addrs.length > 0) out.push({ id: peer.id.toMultihash().bytes, addrs })
    }
    return out
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
        const messages = await helloExchange(stream, t.manifestId, t.superSeeder != null, controller.signal, sessionLimits(t))
        t.attach(stream, messages, src.peerId, { outbound: true, peers: await peerListFor(t, src.peerId), remoteHost: remoteHostOf(src.peerId) })
      } catch (err) {
        stream.abort(asError(err))
        throw err
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /** opens a session, counting the dial against the neighbour limit while it lasts */
  const dial = (t: Torrent, src: Source, what: string): void => {
    const d = book.dialling(t)
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
      book.remember(t, { peerId: id, addrs })
      offered.set(id, addrs)
    }
    if (t.store.have.full()) return
    const dials = chooseDials(offered.keys(), { localId, neighbours: t.neighbours.length, dialling: book.dialling(t).size, maxNeighbours, busy: book.busy(t) })
    for (const id of dials) dial(t, { peerId: id, addrs: offered.get(id) as string[] }, 'reach')
  }

  const stopMaintenance = startMaintenance({ book, torrents: () => torrents.values(), maxNeighbours, dial: (t, src) => { dial(t, src, 'reconnect to') } })

  await node.handle(BLOCK_PROTOCOL, createInboundHandler({
    log,
    bans,
    torrent: (id) => torrents.get(id),
    track,
    refused: logRefused,
    // dialled later by peer id (addresses from identify)
    remember: (t, remote) => { book.remember(t, { peerId: remote, addrs: [] }) },
    peerListFor,
    maxStreamsPerPeer,
    maxBlockPeers,
    maxNeighbours
  }), { maxInboundStreams: maxStreamsPerPeer, maxOutboundStreams: maxStreamsPerPeer })

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
      for (const s of sources) book.remember(t, s, true)
      await Promise.all(sources.map(async s => { await open(t, s, signal).catch((err: unknown) => { log.debug(`could not open a session with ${s.peerId}: ${errorMessage(err)}`) }) }))
    },
    async fetchManifest (manifestId, sources, signal) {
      const errors: string[] = []
      for (const src of sources) {
        const sig = AbortSignal.any([AbortSignal.timeout(DEFAULT_HANDSHAKE_TIMEOUT * MANIFEST_FETCH_HANDSHAKES), ...(signal != null ? [signal] : [])])
        let stream: Stream | undefined
        try {
          stream = await node.dialProtocol(dialTarget(src), BLOCK_PROTOCOL, { signal: sig, maxOutboundStreams: maxStreamsPerPeer })
          const messages = await helloExchange(stream, manifestId, false, sig, { maxBlockSize: 0 })
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
      book.forget(id)
      t.stop()
      await t.store.close()
    },
    torrents: () => [...torrents.values()],
    data: () => dataPath.status(),
    async stop () {
      stopMaintenance()
      for (const id of [...torrents.keys()]) await swarm.remove(id)
      await node.unhandle(BLOCK_PROTOCOL)
      await dataPath.close()
    }
  }
  return swarm
}

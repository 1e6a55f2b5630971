/**
 * Everything a node does for one manifest: its block store, its sessions with
 * neighbours, the picker while blocks are missing, and super-seeding when it
 * is the seeder.
 */
import type { Stream } from '@libp2p/interface'
import { createLedger } from './ledger.js'
import type { Ledger } from './ledger.js'
import { createPicker } from './picker.js'
import { firstPassStart, requestLimit } from './policy.js'
import { createSession } from './session.js'
import type { Session } from './session.js'
import { createSuperSeeder } from './superseed.js'
import type { SuperSeeder } from './superseed.js'
import type { SwarmContext } from './context.js'
import type { BlockStore } from './store.js'
import type { TokenBucket } from '../util/token-bucket.js'
import type { Logger } from '../log.js'
import type { Message } from './wire.js'
import type { BanList } from '../net/bans.js'
import { createBanList } from '../net/bans.js'
import { errorMessage } from '../errors.js'
import type { DataPath } from './data-path.js'

export type PeerList = Array<{ id: Uint8Array, addrs: Uint8Array[] }>

/**
 * How often a super-seeder re-plans which blocks it offers to whom (ms)
 *
 * @default 1000
 */
export const SUPER_SEED_TICK = 1000

export { REQUEST_BUDGET } from './policy.js'

export interface TorrentInit {
  manifestId: string
  /** signed manifest, handed to neighbours that ask for it */
  manifestBytes: Uint8Array
  signature: Uint8Array
  store: BlockStore
  /** super-seed (seeder role) instead of announcing every block */
  superSeed: boolean
  requestsPerPeer: number
  requestTimeout: number
  upload: TokenBucket
  download: TokenBucket
  log: Logger
  /** our own peer id */
  localId: string
  /** bulk channels for block payloads (absent: all over libp2p) */
  dataPath?: DataPath
  /** a neighbour told us of other nodes on this manifest */
  onPeers: (peers: PeerList) => void
  /**
   * strikes against neighbours that misbehave (the node's list; a private
   * one when absent)
   */
  bans?: BanList
  /** our copy of a block does not match the manifest (called once) */
  onCorrupt?: (index: number) => void
}

export interface Torrent {
  readonly manifestId: string
  readonly manifestBytes: Uint8Array
  readonly signature: Uint8Array
  readonly store: BlockStore
  readonly ledger: Ledger
  /** inbound sessions refused because this node was full (see policy.ts admitSession) */
  turnedAway: number
  /** most sessions open at once */
  readonly peakNeighbours: number
  readonly superSeeder?: SuperSeeder
  /** neighbours with an open session */
  readonly neighbours: string[]
  /** resolves once every block is held and verified */
  readonly complete: Promise<void>
  /** requests refused because the block was never offered to that neighbour (super-seeding) */
  readonly refusedRequests: number
  /** our copy was found corrupt: nothing more is served from it */
  readonly corrupt: boolean
  /**
   * Runs a session on a stream whose HELLOs were exchanged; `peers` is sent
   * after the bitfield. When a session with `remote` exists already (both
   * sides dialled at once) the stream opened by the lower peer id wins.
   */
  attach: (stream: Stream, messages: AsyncIterator<Message>, remote: string, opts: { outbound: boolean, peers: PeerList, remoteHost?: string }) => void
  has: (remote: string) => boolean
  /** closes every session */
  stop: () => void
}

export function createTorrent (init: TorrentInit): Torrent {
  const { store } = init
  const n = store.have.size
  const sessions = new Map<string, Session>()
  const ledger = createLedger()
  let peak = 0
  const controller = new AbortController()
  let resolveComplete!: () => void
  const complete = new Promise<void>(resolve => { resolveComplete = resolve })
  if (store.have.full()) resolveComplete()

  const superSeeder = init.superSeed
    ? createSuperSeeder({ blockCount: n, firstPassStart: firstPassStart(init.localId, n), offer: (peer, index) => sessions.get(peer)?.have(index) })
    : undefined
  const bans = init.bans ?? createBanList()
  let refusedRequests = 0
  let corrupt = false
  const tick = superSeeder != null ? setInterval(() => { superSeeder.tick() }, SUPER_SEED_TICK) : undefined
  tick?.unref()

  const ctx: SwarmContext = {
    store,
    manifestBytes: init.manifestBytes,
    signature: init.signature,
    picker: store.have.full() ? undefined : createPicker({ blockCount: n, have: store.have }),
    // a budget of requests shared by the neighbours: deep queues at every
    // uploader make each block's trip long and the picker's view stale
    requestsPerPeer: () => requestLimit(init.requestsPerPeer, sessions.size),
    requestTimeout: init.requestTimeout,
    upload: init.upload,
    download: init.download,
    ledger,
    dataPath: init.dataPath,
    log: init.log,
    signal: controller.signal,
    onBlock (index, from) {
      for (const other of ctx.picker?.received(index, from) ?? []) sessions.get(other)?.cancel(index)
      for (const s of sessions.values()) s.have(index)
      if (store.have.full()) {
        ctx.picker = undefined
        resolveComplete()
      }
    },
    onUploaded: (remote, index) => { superSeeder?.uploaded(remote, index) },
    onRemoteHas: (remote, bits) => { superSeeder?.remoteHas(remote, bits) },
    onRemoteHave: (remote, index) => { superSeeder?.remoteHave(remote, index) },
    onPeers: (_remote, peers) => { init.onPeers(peers) },
    strike: (remote, reason) => bans.strike(remote, reason),
    mayServe (remote, index) {
      if (superSeeder == null || superSeeder.requested(remote, index)) return true
      refusedRequests++
      return false
    },
    recheck (index) {
      store.check(index).then(ok => { if (!ok) ctx.corruptLocal(index) }, (err: unknown) => {
        init.log.warn(`cannot re-check block ${index}: ${errorMessage(err)}`)
      })
    },
    corruptLocal (index) {
      if (corrupt) return
      corrupt = true
      init.log.warn(`our copy of block ${index} does not match the manifest: no longer serving this copy`, { manifest: init.manifestId })
      init.onCorrupt?.(index)
    },
    get corrupt () { return corrupt },
    onClose (session) {
      if (sessions.get(session.remote) === session) sessions.delete(session.remote)
      superSeeder?.removePeer(session.remote)
      for (const s of sessions.values()) s.pump()
    }
  }

  return {
    manifestId: init.manifestId,
    manifestBytes: init.manifestBytes,
    signature: init.signature,
    store,
    ledger,
    superSeeder,
    complete,
    get refusedRequests () { return refusedRequests },
    get corrupt () { return corrupt },
    turnedAway: 0,
    get peakNeighbours () { return peak },
    get neighbours () { return [...sessions.keys()] },
    has: (remote) => sessions.has(remote),
    attach (stream, messages, remote, { outbound, peers, remoteHost }) {
      const existing = sessions.get(remote)
      if (existing != null) {
        const initiator = outbound ? init.localId : remote
        const lower = init.localId < remote ? init.localId : remote
        if (initiator !== lower) { stream.abort(new Error('duplicate session')); return }
        existing.close()
      }
      const session = createSession(stream, messages, remote, ctx, { outbound, remoteHost })
      sessions.set(remote, session)
      peak = Math.max(peak, sessions.size)
      // data_encryption, and a bulk channel grant from the side that accepted the stream
      const offer = init.dataPath?.offer(remote, !outbound, (socket, rest) => { session.attachBulk(socket, rest) })
      if (offer != null) {
        if (offer.grant != null) session.granted(offer.grant)
        session.send(offer.message)
      }
      // a super-seeder reveals blocks one by one instead of a full bitfield
      const bits = superSeeder != null ? new Uint8Array(Math.ceil(n / 8)) : store.have.toBytes()
      session.send({ type: 'bitfield', count: n, bits })
      if (peers.length > 0) session.send({ type: 'peers', peers })
      superSeeder?.addPeer(remote)
      void session.run()
    },
    stop () {
      controller.abort()
      if (tick != null) clearInterval(tick)
      for (const s of [...sessions.values()]) s.close()
    }
  }
}

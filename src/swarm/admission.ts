/**
 * Admission of block streams: at most so many block-protocol streams per
 * remote peer (both directions), and the accepting side of a stream — a HELLO
 * in time for a manifest we hold, then a session when the policy admits one;
 * otherwise the node is turned away with other nodes to try (and the signed
 * manifest, when that is all it asks for).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { WireDecodeError, asError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import type { BanList } from '../net/bans.js'
import { awaitHello, DEFAULT_HANDSHAKE_TIMEOUT, sessionLimits } from './handshake.js'
import { admitSession } from './policy.js'
import { writeMessage } from './stream-io.js'
import type { PeerList, Torrent } from './torrent.js'

/**
 * Block-protocol streams open at once with one peer (over all its
 * connections); one is needed per image the two exchange, so this also caps
 * the images a pair works on at the same time. More are reset at once.
 *
 * @default 64
 */
export const DEFAULT_MAX_STREAMS_PER_PEER = 64

/** The IP address in a connection's remote multiaddr (undefined for other kinds of address) */
export function ipOf (addr: { toString: () => string } | undefined): string | undefined {
  const m = /^\/(ip4|ip6)\/([^/]+)\//.exec(addr?.toString() ?? '')
  return m?.[2]
}

/**
 * Counts block-protocol streams per remote peer; `track` returns false (and
 * counts nothing) when the peer already has `max` open, else counts the
 * stream until it closes
 */
export function createStreamCounter (max: number): (stream: Stream, remote: string) => boolean {
  const streamsOf = new Map<string, number>()
  return (stream, remote) => {
    const open = streamsOf.get(remote) ?? 0
    if (open >= max) return false
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
}

export interface InboundInit {
  log: Logger
  bans: BanList
  torrent: (manifestId: string) => Torrent | undefined
  /** the per-peer stream counter */
  track: (stream: Stream, remote: string) => boolean
  /** logs a refused stream (rate-limited) */
  refused: (remote: string, why: string) => void
  /** a node that dialled us, to dial back later by peer id */
  remember: (t: Torrent, remote: string) => void
  /** other nodes on the torrent to hand to `remote` */
  peerListFor: (t: Torrent, remote: string) => Promise<PeerList>
  maxStreamsPerPeer: number
  maxBlockPeers: number
  maxNeighbours: number
}

/** The block protocol's stream handler */
export function createInboundHandler (init: InboundInit): (stream: Stream, connection: Connection) => Promise<void> {
  const { log, bans } = init
  return async (stream, connection) => {
    const remote = connection.remotePeer.toString()
    if (bans.isBanned(remote)) { stream.abort(new Error('banned')); return }
    if (!init.track(stream, remote)) {
      init.refused(remote, `more than ${init.maxStreamsPerPeer} streams open`)
      stream.abort(new Error('too many streams'))
      return
    }
    const signal = AbortSignal.timeout(DEFAULT_HANDSHAKE_TIMEOUT)
    try {
      const hello = await awaitHello(stream)
      const t = init.torrent(CID.decode(hello.manifestId).toString())
      if (t == null) { stream.abort(new Error('unknown manifest')); return }
      hello.widen(sessionLimits(t))
      const { messages } = hello
      await writeMessage(stream, { type: 'hello', manifestId: hello.manifestId, seeder: t.superSeeder != null })
      init.remember(t, remote)
      if (!t.has(remote) && !admitSession({ seeder: t.superSeeder != null, sessions: t.neighbours.length, maxBlockPeers: init.maxBlockPeers, maxNeighbours: init.maxNeighbours })) {
        // full: pass on other nodes to fetch from, answer a node that only
        // wants the signed manifest, and end the stream
        t.turnedAway++
        const peers = await init.peerListFor(t, remote)
        if (peers.length > 0) await writeMessage(stream, { type: 'peers', peers })
        const next = await Promise.race([messages.next(), new Promise<undefined>(resolve => { signal.addEventListener('abort', () => { resolve(undefined) }, { once: true }) })])
        if (next?.done === false && next.value.type === 'manifest-request') await writeMessage(stream, { type: 'manifest', manifest: t.manifestBytes, signature: t.signature })
        await stream.close()
        return
      }
      t.attach(stream, messages, remote, { outbound: false, peers: await init.peerListFor(t, remote), remoteHost: ipOf(connection.remoteAddr) })
    } catch (err) {
      if (err instanceof WireDecodeError) {
        bans.strike(remote, `block protocol: ${err.message}`)
        init.refused(remote, err.message)
      } else {
        log.debug(`block stream from ${remote} ended before its session started: ${errorMessage(err)}`)
      }
      stream.abort(asError(err))
    }
  }
}

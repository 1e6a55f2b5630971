/**
 * The catalogue pull protocol between any two nodes (SPEC.md §1): the asking
 * side writes one request and closes its writing side; the answering side
 * reads it (bounded, 10 s), answers with its newest signed catalogue of that
 * seeder when newer than the asker's, a few nodes it knows, and closes.
 * Trust comes from the catalogue's signature (signed.ts), never from the node
 * that relayed it.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { CatalogueTimeoutError, WireDecodeError, asError } from '../errors.js'
import type { PrecacheNode } from '../net/node.js'
import { CATALOGUE_PULL_PROTOCOL, decodePullReply, decodePullRequest, encodePullReply, encodePullRequest, MAX_PULL_ADDRS, MAX_PULL_ADDR_BYTES, MAX_PULL_PEERS, MAX_PULL_REPLY, MAX_PULL_REQUEST } from './catalogue-wire.js'
import type { PullPeer, PullReply } from './catalogue-wire.js'

/** How long one pull (request and whole reply) may take. @default 10000 */
export const DEFAULT_PULL_TIMEOUT = 10_000
/** Pull streams one connection may have open at once (more are refused). @default 2 */
export const MAX_PULL_STREAMS_PER_CONNECTION = 2

export interface PullServerInit {
  /** the signed catalogue of `seeder` this node holds, when its seq is above `haveSeq` */
  newest: (seeder: string, haveSeq: number) => Promise<Uint8Array | undefined> | Uint8Array | undefined
  /** tells the asker to keep this connection (a seeder's gossip links); default never */
  link?: (remote: string) => boolean
  /** nodes to tell the asker about (at most MAX_PULL_PEERS are sent) */
  peers: (remote: string) => Promise<PullPeer[]>
  /** counts every answered pull, for the status file */
  onServed?: (remote: string, sentCatalogue: boolean) => void
  /** called after each answer (a seeder closes the connection of a peer that is not one of its links) */
  after?: (connection: Connection, stream: Stream) => void
}

async function readAll (stream: Stream, max: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of stream) {
    total += chunk.byteLength
    if (total > max) throw new WireDecodeError(`${what} larger than ${max} bytes`)
    chunks.push(chunk.subarray())
  }
  return Buffer.concat(chunks)
}

/** Answers catalogue pulls; returns the function that stops answering */
export async function servePulls (node: PrecacheNode, init: PullServerInit): Promise<() => Promise<void>> {
  await node.handle(CATALOGUE_PULL_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const timer = setTimeout(() => { stream.abort(new CatalogueTimeoutError('catalogue pull timed out')) }, DEFAULT_PULL_TIMEOUT)
    try {
      const req = decodePullRequest(await readAll(stream, MAX_PULL_REQUEST, 'catalogue pull request'))
      const remote = connection.remotePeer.toString()
      let seeder: string
      try { seeder = peerIdFromMultihash(Digest.decode(req.seeder)).toString() } catch { throw new WireDecodeError('seeder is not a peer id') }
      const signed = await init.newest(seeder, req.haveSeq)
      const peers = (await init.peers(remote)).slice(0, MAX_PULL_PEERS)
      for (const chunk of encodePullReply({ link: init.link?.(remote) ?? false, peers, signed })) stream.send(chunk)
      await stream.close()
      init.onServed?.(remote, signed != null)
      init.after?.(connection, stream)
    } catch (err) {
      stream.abort(asError(err))
    } finally {
      clearTimeout(timer)
    }
  }, { maxInboundStreams: MAX_PULL_STREAMS_PER_CONNECTION })
  return async () => { await node.unhandle(CATALOGUE_PULL_PROTOCOL) }
}

/**
 * Asks `target` (a connected node, or an address to dial) for `seeder`'s
 * catalogue newer than `haveSeq`. The reply's catalogue is not verified here.
 */
export async function pullCatalogue (node: PrecacheNode, target: PeerId | Multiaddr, seeder: PeerId, haveSeq: number, signal?: AbortSignal): Promise<PullReply> {
  const deadline = AbortSignal.any([AbortSignal.timeout(DEFAULT_PULL_TIMEOUT), ...(signal != null ? [signal] : [])])
  const stream = await node.dialProtocol(target, CATALOGUE_PULL_PROTOCOL, { signal: deadline })
  const onAbort = (): void => { stream.abort(new CatalogueTimeoutError(`no catalogue pull reply from ${target.toString()} in time`)) }
  deadline.addEventListener('abort', onAbort, { once: true })
  try {
    stream.send(encodePullRequest({ seeder: seeder.toMultihash().bytes, haveSeq }))
    await stream.close()
    const bytes = await readAll(stream, MAX_PULL_REPLY, 'catalogue pull reply')
    if (deadline.aborted) throw new CatalogueTimeoutError(`no catalogue pull reply from ${target.toString()} in time`)
    return decodePullReply(bytes)
  } finally {
    deadline.removeEventListener('abort', onAbort)
  }
}

/** Up to `max` connected nodes (other than `except` and `skip`), as reply entries with their listen addresses */
export async function samplePeers (node: PrecacheNode, except: string, skip: ReadonlySet<string>, max = MAX_PULL_PEERS): Promise<PullPeer[]> {
  const ids = [...new Set(node.getConnections().map(c => c.remotePeer.toString()))].filter(id => id !== except && !skip.has(id))
  for (let i = ids.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [ids[i], ids[j]] = [ids[j], ids[i]] }
  const out: PullPeer[] = []
  for (const conn of ids.slice(0, max).map(id => node.getConnections().find(c => c.remotePeer.toString() === id))) {
    if (conn == null) continue
    let addrs: Uint8Array[] = []
    try {
      const peer = await node.peerStore.get(conn.remotePeer)
      addrs = peer.addresses.map(a => a.multiaddr.bytes).filter(b => b.length >= 1 && b.length <= MAX_PULL_ADDR_BYTES).slice(0, MAX_PULL_ADDRS)
    } catch {}
    if (addrs.length > 0) out.push({ id: conn.remotePeer.toMultihash().bytes, addrs })
  }
  return out
}

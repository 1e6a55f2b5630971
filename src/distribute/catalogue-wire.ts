/**
 * Codec of the catalogue pull protocol `/precache/catalogue/2.0.0` (SPEC.md
 * §1): any node (seeder or peer) answers a neighbour that asks for the newest
 * signed catalogue of one seeder, plus a few nodes it knows (so a peer that
 * joins finds neighbours without keeping a connection to a seeder).
 *
 * ```
 * request = u8 version (1) | u8 idLen | seeder peer id (multihash, 1..128) | u64 haveSeq (big-endian, ≤ 2^53 − 1)
 * reply   = u8 flags | u8 peerCount (≤ 16) | peerCount × PEER | [signed catalogue (signed.ts) to the end]
 *   flags: bit 0 = a signed catalogue follows, bit 1 = "stay linked" (only a seeder sets it:
 *          keep this connection, it carries the seeder's gossip into the mesh); other bits 0
 * PEER    = u8 idLen (1..128) | id | u8 addrCount (≤ 4) | addrCount × (u16 len (1..256) | multiaddr bytes)
 * ```
 * Every length is checked before use; anything else is a WireDecodeError.
 */
import { WireDecodeError } from '../errors.js'
import { MAX_SIGNED_BYTES } from './signed.js'
import { decodePeerEntries, encodePeerEntries, type PeerEntryLimits } from '../swarm/wire.js'

export const CATALOGUE_PULL_PROTOCOL = '/precache/catalogue/2.0.0'
export const PULL_VERSION = 1
/** Nodes listed in one reply */
export const MAX_PULL_PEERS = 16
export const MAX_PULL_ADDRS = 4
export const MAX_PULL_ADDR_BYTES = 256
export const MAX_PULL_ID_BYTES = 128
const PULL_PEER_LIMITS: PeerEntryLimits = { maxIdBytes: MAX_PULL_ID_BYTES, maxAddrs: MAX_PULL_ADDRS, maxAddrBytes: MAX_PULL_ADDR_BYTES }
/** Largest request */
export const MAX_PULL_REQUEST = 2 + MAX_PULL_ID_BYTES + 8
/** Largest reply header (flags, peers) */
export const MAX_PULL_HEADER = 2 + MAX_PULL_PEERS * (2 + MAX_PULL_ID_BYTES + MAX_PULL_ADDRS * (2 + MAX_PULL_ADDR_BYTES))
/** Largest reply */
export const MAX_PULL_REPLY = MAX_PULL_HEADER + MAX_SIGNED_BYTES

export interface PullRequest { seeder: Uint8Array, haveSeq: number }
export interface PullPeer { id: Uint8Array, addrs: Uint8Array[] }
export interface PullReply { link: boolean, peers: PullPeer[], signed?: Uint8Array }

const F_SIGNED = 1
const F_LINK = 2

function fail (why: string): never {
  throw new WireDecodeError(`invalid catalogue pull message: ${why}`)
}

export function encodePullRequest (r: PullRequest): Uint8Array {
  if (r.seeder.length < 1 || r.seeder.length > MAX_PULL_ID_BYTES) throw new RangeError('seeder id length out of range')
  if (!Number.isSafeInteger(r.haveSeq) || r.haveSeq < 0) throw new RangeError('haveSeq out of range')
  const out = new Uint8Array(2 + r.seeder.length + 8)
  out[0] = PULL_VERSION
  out[1] = r.seeder.length
  out.set(r.seeder, 2)
  new DataView(out.buffer).setBigUint64(2 + r.seeder.length, BigInt(r.haveSeq))
  return out
}

export function decodePullRequest (bytes: Uint8Array): PullRequest {
  if (bytes.length < 2 || bytes.length > MAX_PULL_REQUEST) fail('request size')
  if (bytes[0] !== PULL_VERSION) fail('unknown version')
  const idLen = bytes[1]
  if (idLen < 1 || idLen > MAX_PULL_ID_BYTES || bytes.length !== 2 + idLen + 8) fail('bad seeder id length')
  const have = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(2 + idLen)
  if (have > BigInt(Number.MAX_SAFE_INTEGER)) fail('haveSeq too large')
  return { seeder: bytes.slice(2, 2 + idLen), haveSeq: Number(have) }
}

export function encodePullReply (r: PullReply): Uint8Array[] {
  if (r.peers.length > MAX_PULL_PEERS) throw new RangeError('too many peers')
  if (r.signed != null && (r.signed.length < 1 || r.signed.length > MAX_SIGNED_BYTES)) throw new RangeError('signed catalogue size out of range')
  const parts: Uint8Array[] = [Uint8Array.of((r.signed != null ? F_SIGNED : 0) | (r.link ? F_LINK : 0), r.peers.length)]
  parts.push(...encodePeerEntries(r.peers, PULL_PEER_LIMITS))
  if (r.signed != null) parts.push(r.signed)
  return parts
}

/** Decodes a whole reply (the caller bounds what it reads by MAX_PULL_REPLY) */
export function decodePullReply (bytes: Uint8Array): PullReply {
  if (bytes.length < 2 || bytes.length > MAX_PULL_REPLY) fail('reply size')
  const flags = bytes[0]
  if ((flags & ~(F_SIGNED | F_LINK)) !== 0) fail('unknown flags')
  const count = bytes[1]
  if (count > MAX_PULL_PEERS) fail('too many peers')
  const { peers, end: at } = decodePeerEntries(bytes, 2, count, PULL_PEER_LIMITS, fail)
  const rest = bytes.subarray(at)
  if ((flags & F_SIGNED) === 0) {
    if (rest.length !== 0) fail('trailing bytes')
    return { link: (flags & F_LINK) !== 0, peers }
  }
  if (rest.length < 1 || rest.length > MAX_SIGNED_BYTES) fail('signed catalogue size')
  return { link: (flags & F_LINK) !== 0, peers, signed: rest.slice() }
}

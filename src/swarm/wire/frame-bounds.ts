/**
 * Frame layout of the block protocol (SPEC.md §3): the type byte of each
 * message and the largest frame body each type may have.
 */
import { MAX_BLOCKS } from '../../image/limits.js'
import { MAX_ADDR_BYTES, MAX_ADDRS_PER_PEER, MAX_CID_BYTES, MAX_PEER_ID_BYTES, MAX_PEERS, MAX_SIGNATURE_BYTES } from './messages.js'

export const T_HELLO = 0x01
export const T_MANIFEST_REQUEST = 0x02
export const T_MANIFEST = 0x03
export const T_BITFIELD = 0x04
export const T_HAVE = 0x05
export const T_REQUEST = 0x06
export const T_CANCEL = 0x07
export const T_BLOCK = 0x08
export const T_REJECT = 0x09
export const T_PEERS = 0x0a
export const T_CORRUPT = 0x0b
export const T_DATA_CHANNEL = 0x0c
/** DATA_CHANNEL grant: token and TLS pre-shared key */
export const GRANT_BYTES = 32

export type IndexType = 'have' | 'request' | 'cancel' | 'reject' | 'corrupt'
export const INDEX_TYPES: Record<number, IndexType> = { [T_HAVE]: 'have', [T_REQUEST]: 'request', [T_CANCEL]: 'cancel', [T_REJECT]: 'reject', [T_CORRUPT]: 'corrupt' }
export const TYPE_CODES = { have: T_HAVE, request: T_REQUEST, cancel: T_CANCEL, reject: T_REJECT, corrupt: T_CORRUPT }
export const PEERS_MAX_BODY = 2 + MAX_PEERS * (2 + MAX_PEER_ID_BYTES + MAX_ADDRS_PER_PEER * (2 + MAX_ADDR_BYTES))

/**
 * Largest frame body (type byte + payload) of each message type, given the
 * block and manifest limits in force; 0 for a type that is not accepted
 */
export function maxFrameBody (type: number, maxBlock: number, maxManifest: number): number {
  switch (type) {
    case T_HELLO: return 2 + MAX_CID_BYTES
    case T_MANIFEST_REQUEST: return 1
    case T_MANIFEST: return maxManifest > 0 ? 3 + MAX_SIGNATURE_BYTES + maxManifest : 0
    case T_BITFIELD: return 5 + Math.ceil(MAX_BLOCKS / 8)
    case T_HAVE: case T_REQUEST: case T_CANCEL: case T_REJECT: case T_CORRUPT: return 5
    case T_BLOCK: return 5 + maxBlock
    case T_PEERS: return PEERS_MAX_BODY
    case T_DATA_CHANNEL: return 4 + 2 * GRANT_BYTES
    default: return 0
  }
}

/**
 * Largest frame body of any message type accepted: only a HELLO's while a
 * stream waits for its first message
 */
export function largestFrameBody (helloOnly: boolean, maxBlock: number, maxManifest: number): number {
  return helloOnly
    ? maxFrameBody(T_HELLO, 0, 0)
    : Math.max(5 + maxBlock, maxFrameBody(T_MANIFEST, 0, maxManifest), maxFrameBody(T_BITFIELD, 0, 0), PEERS_MAX_BODY)
}

/**
 * Block-protocol messages (SPEC.md §3): the protocol id and version, the
 * message types a stream carries, and the bounds every decoder enforces.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import type { PeerEntry, PeerEntryLimits } from './peer-entries.js'

/**
 * Version of the whole wire protocol (SPEC.md: handshake, announcements,
 * catalogue, block exchange, bulk channel). Bump it with any change an older node cannot
 * understand: nodes tell each other theirs on connect (identify's agent
 * version) and log a mismatch on both sides.
 */
export const WIRE_VERSION = 3

/**
 * libp2p protocol id of the block exchange (2.0.0, wire version 2, added
 * DATA_CHANNEL: block payloads may cross a bulk channel beside libp2p; CORRUPT;
 * and a largest frame per message type)
 */
export const BLOCK_PROTOCOL = '/precache/blocks/2.0.0'

/** Largest signature accepted */
export const MAX_SIGNATURE_BYTES = 512
/** Largest CID accepted in HELLO */
export const MAX_CID_BYTES = 128
/** Peer exchange bounds */
export const MAX_PEERS = 64
export const MAX_ADDRS_PER_PEER = 8
export const MAX_ADDR_BYTES = 256
export const MAX_PEER_ID_BYTES = 128
/** The bounds of one PEERS entry (peer-entries.ts) */
export const PEER_ENTRY_LIMITS: PeerEntryLimits = { maxIdBytes: MAX_PEER_ID_BYTES, maxAddrs: MAX_ADDRS_PER_PEER, maxAddrBytes: MAX_ADDR_BYTES }

export type Message =
  /** first message on a stream, both directions: which manifest this stream is about */
  | { type: 'hello', manifestId: Uint8Array, seeder: boolean }
  /** ask the other side for the signed manifest */
  | { type: 'manifest-request' }
  /** the encoded manifest and the seeder's signature over it */
  | { type: 'manifest', manifest: Uint8Array, signature: Uint8Array }
  /** which blocks the sender holds; `bits` is ceil(count/8) bytes, MSB-first, spare bits zero */
  | { type: 'bitfield', count: number, bits: Uint8Array }
  /** the sender now holds block `index` */
  | { type: 'have', index: number }
  /** please send block `index` */
  | { type: 'request', index: number }
  /** no longer want block `index` */
  | { type: 'cancel', index: number }
  /** the bytes of block `index` */
  | { type: 'block', index: number, data: Uint8Array | Uint8ArrayList }
  /** the sender will not send block `index` (does not have it, or refuses) */
  | { type: 'reject', index: number }
  /** other nodes working on the same manifest */
  | { type: 'peers', peers: PeerEntry[] }
  /** block `index` the receiver got from the sender did not match its hash */
  | { type: 'corrupt', index: number }
  /**
   * the sender's `[swarm] data_encryption`, and (from the side that accepted
   * the stream) a one-time grant to open a bulk channel to its `port`
   */
  | { type: 'data-channel', encryption: 'tls' | 'none', port: number, grant?: { token: Uint8Array, secret: Uint8Array } }

export interface DecoderLimits {
  /**
   * Largest block accepted in a BLOCK message
   *
   * @default MAX_BLOCK_SIZE
   */
  maxBlockSize?: number
  /**
   * Largest manifest accepted in a MANIFEST message
   *
   * @default MAX_MANIFEST_BYTES
   */
  maxManifestBytes?: number
  /**
   * Accept only a HELLO (the first message of a stream): anything else, or a
   * length prefix larger than a HELLO, fails before its body is buffered.
   * The decoder reads this field at every frame, so a session may clear it
   * after the handshake.
   *
   * @default false
   */
  helloOnly?: boolean
}

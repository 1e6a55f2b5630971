/**
 * The block-exchange wire protocol (spec: ./SPEC.md). One module: message
 * types, bounds, encoder and incremental decoder.
 *
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { WireDecodeError } from '../errors.js'
import { MAX_BLOCKS, MAX_BLOCK_SIZE, MAX_MANIFEST_BYTES } from '../image/limits.js'

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
  | { type: 'peers', peers: Array<{ id: Uint8Array, addrs: Uint8Array[] }> }
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

const T_HELLO = 0x01
const T_MANIFEST_REQUEST = 0x02
const T_MANIFEST = 0x03
const T_BITFIELD = 0x04
const T_HAVE = 0x05
const T_REQUEST = 0x06
const T_CANCEL = 0x07
const T_BLOCK = 0x08
const T_REJECT = 0x09
const T_PEERS = 0x0a
const T_CORRUPT = 0x0b
const T_DATA_CHANNEL = 0x0c
/** DATA_CHANNEL grant: token and TLS pre-shared key */
const GRANT_BYTES = 32

type IndexType = 'have' | 'request' | 'cancel' | 'reject' | 'corrupt'
const INDEX_TYPES: Record<number, IndexType> = { [T_HAVE]: 'have', [T_REQUEST]: 'request', [T_CANCEL]: 'cancel', [T_REJECT]: 'reject', [T_CORRUPT]: 'corrupt' }
const TYPE_CODES = { have: T_HAVE, request: T_REQUEST, cancel: T_CANCEL, reject: T_REJECT, corrupt: T_CORRUPT }
const PEERS_MAX_BODY = 2 + MAX_PEERS * (2 + MAX_PEER_ID_BYTES + MAX_ADDRS_PER_PEER * (2 + MAX_ADDR_BYTES))

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

function bad (why: string): never {
  throw new WireDecodeError(`invalid message: ${why}`)
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}

function u32 (n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

function frame (type: number, parts: Uint8Array[]): Uint8Array[] {
  const len = 1 + parts.reduce((n, p) => n + p.length, 0)
  return [Uint8Array.from([...varint(len), type]), ...parts]
}

function checkIndex (i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= MAX_BLOCKS) throw new RangeError(`block index ${i} out of range`)
}

/**
 * Encodes a message as chunks to send in order (BLOCK data is not copied).
 * Throws RangeError when the message breaks the protocol's bounds: that is a
 * programming error on our side, never input from the network.
 */
export function encode (msg: Message): Uint8Array[] {
  switch (msg.type) {
    case 'hello':
      if (msg.manifestId.length < 1 || msg.manifestId.length > MAX_CID_BYTES) throw new RangeError('CID length out of range')
      return frame(T_HELLO, [Uint8Array.of(msg.seeder ? 1 : 0), msg.manifestId])
    case 'manifest-request':
      return frame(T_MANIFEST_REQUEST, [])
    case 'manifest': {
      if (msg.signature.length < 1 || msg.signature.length > MAX_SIGNATURE_BYTES) throw new RangeError('signature length out of range')
      if (msg.manifest.length < 1 || msg.manifest.length > MAX_MANIFEST_BYTES) throw new RangeError('manifest length out of range')
      const sl = new Uint8Array(2)
      new DataView(sl.buffer).setUint16(0, msg.signature.length)
      return frame(T_MANIFEST, [sl, msg.signature, msg.manifest])
    }
    case 'bitfield':
      if (msg.count < 1 || msg.count > MAX_BLOCKS || msg.bits.length !== Math.ceil(msg.count / 8)) throw new RangeError('bitfield size mismatch')
      return frame(T_BITFIELD, [u32(msg.count), msg.bits])
    case 'have': case 'request': case 'cancel': case 'reject': case 'corrupt':
      checkIndex(msg.index)
      return frame(TYPE_CODES[msg.type], [u32(msg.index)])
    case 'block': {
      checkIndex(msg.index)
      const data = msg.data instanceof Uint8Array ? msg.data : msg.data.subarray()
      if (data.length < 1 || data.length > MAX_BLOCK_SIZE) throw new RangeError('block size out of range')
      return frame(T_BLOCK, [u32(msg.index), data])
    }
    case 'peers': {
      if (msg.peers.length > MAX_PEERS) throw new RangeError('too many peers')
      const parts: Uint8Array[] = [Uint8Array.of(msg.peers.length)]
      for (const p of msg.peers) {
        if (p.id.length < 1 || p.id.length > MAX_PEER_ID_BYTES || p.addrs.length > MAX_ADDRS_PER_PEER) throw new RangeError('peer entry out of range')
        parts.push(Uint8Array.of(p.id.length), p.id, Uint8Array.of(p.addrs.length))
        for (const a of p.addrs) {
          if (a.length < 1 || a.length > MAX_ADDR_BYTES) throw new RangeError('address length out of range')
          const l = new Uint8Array(2)
          new DataView(l.buffer).setUint16(0, a.length)
          parts.push(l, a)
        }
      }
      return frame(T_PEERS, parts)
    }
    case 'data-channel': {
      const head = new Uint8Array(3)
      head[0] = msg.encryption === 'none' ? 1 : 0
      new DataView(head.buffer).setUint16(1, msg.port)
      if (msg.grant == null) return frame(T_DATA_CHANNEL, [head])
      if (msg.grant.token.length !== GRANT_BYTES || msg.grant.secret.length !== GRANT_BYTES) throw new RangeError('grant must be 32 + 32 bytes')
      return frame(T_DATA_CHANNEL, [head, msg.grant.token, msg.grant.secret])
    }
  }
}

export interface Decoder {
  /** adds bytes from the stream (chunks need not align with messages) */
  push: (chunk: Uint8Array | Uint8ArrayList) => void
  /** the next complete message, or undefined until more bytes arrive; throws WireDecodeError */
  next: () => Message | undefined
  /** bytes buffered but not yet decoded */
  readonly buffered: number
}

/** Parses one frame body (type byte + payload) */
function decodeBody (body: Uint8ArrayList, maxBlock: number, maxManifest: number): Message {
  const type = body.get(0)
  const len = body.byteLength - 1
  // only the fixed-size head is copied out of the list, never a block's data
  const view = (bytes = 4): DataView => { const b = body.subarray(1, 1 + Math.min(bytes, len)); return new DataView(b.buffer, b.byteOffset, b.byteLength) }
  switch (type) {
    case T_HELLO: {
      if (len < 2 || len > 1 + MAX_CID_BYTES) bad('HELLO length')
      const flags = body.get(1)
      if ((flags & 0xfe) !== 0) bad('HELLO has unknown flags')
      return { type: 'hello', seeder: (flags & 1) === 1, manifestId: body.subarray(2) }
    }
    case T_MANIFEST_REQUEST:
      if (len !== 0) bad('MANIFEST_REQUEST has a payload')
      return { type: 'manifest-request' }
    case T_MANIFEST: {
      if (len < 3) bad('MANIFEST too short')
      const sigLen = view(2).getUint16(0)
      if (sigLen < 1 || sigLen > MAX_SIGNATURE_BYTES) bad('MANIFEST signature length')
      const mLen = len - 2 - sigLen
      if (mLen < 1 || mLen > maxManifest) bad('MANIFEST length')
      return { type: 'manifest', signature: body.subarray(3, 3 + sigLen), manifest: body.subarray(3 + sigLen) }
    }
    case T_BITFIELD: {
      if (len < 5) bad('BITFIELD too short')
      const count = view().getUint32(0)
      if (count < 1 || count > MAX_BLOCKS) bad('BITFIELD count')
      if (len - 4 !== Math.ceil(count / 8)) bad('BITFIELD length does not match its count')
      const bits = body.subarray(5)
      const spare = bits.length * 8 - count
      if (spare > 0 && (bits[bits.length - 1] & ((1 << spare) - 1)) !== 0) bad('BITFIELD spare bits set')
      return { type: 'bitfield', count, bits }
    }
    case T_HAVE: case T_REQUEST: case T_CANCEL: case T_REJECT: case T_CORRUPT: {
      if (len !== 4) bad('index message length')
      const index = view().getUint32(0)
      if (index >= MAX_BLOCKS) bad('block index out of range')
      return { type: INDEX_TYPES[type], index }
    }
    case T_BLOCK: {
      if (len < 5 || len - 4 > maxBlock) bad('BLOCK length')
      const index = view().getUint32(0)
      if (index >= MAX_BLOCKS) bad('block index out of range')
      return { type: 'block', index, data: body.sublist(5) }
    }
    case T_PEERS: {
      const b = body.subarray(1)
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
      let off = 0
      const need = (n: number): void => { if (off + n > b.length) bad('PEERS truncated') }
      need(1)
      const count = b[off++]
      if (count > MAX_PEERS) bad('PEERS count')
      const peers: Array<{ id: Uint8Array, addrs: Uint8Array[] }> = []
      for (let p = 0; p < count; p++) {
        need(1)
        const idLen = b[off++]
        if (idLen < 1 || idLen > MAX_PEER_ID_BYTES) bad('PEERS id length')
        need(idLen + 1)
        const id = b.subarray(off, off + idLen)
        off += idLen
        const na = b[off++]
        if (na > MAX_ADDRS_PER_PEER) bad('PEERS address count')
        const addrs: Uint8Array[] = []
        for (let a = 0; a < na; a++) {
          need(2)
          const al = dv.getUint16(off)
          off += 2
          if (al < 1 || al > MAX_ADDR_BYTES) bad('PEERS address length')
          need(al)
          addrs.push(b.subarray(off, off + al))
          off += al
        }
        peers.push({ id, addrs })
      }
      if (off !== b.length) bad('PEERS has trailing bytes')
      return { type: 'peers', peers }
    }
    case T_DATA_CHANNEL: {
      if (len !== 3 && len !== 3 + 2 * GRANT_BYTES) bad('DATA_CHANNEL length')
      const mode = body.get(1)
      if (mode > 1) bad('DATA_CHANNEL encryption')
      const port = view(3).getUint16(1)
      const encryption = mode === 1 ? 'none' : 'tls'
      if (len === 3) return { type: 'data-channel', encryption, port }
      if (port === 0) bad('DATA_CHANNEL grant without a port')
      return { type: 'data-channel', encryption, port, grant: { token: body.subarray(4, 4 + GRANT_BYTES), secret: body.subarray(4 + GRANT_BYTES) } }
    }
    default:
      bad(`unknown type 0x${type.toString(16)}`)
  }
}

/**
 * Incremental decoder with bounded buffering; see SPEC.md for the bounds.
 * A frame's length is checked against the largest its type allows as soon as
 * the length prefix and the type byte are in, before the body is buffered.
 */
export function createDecoder (limits: DecoderLimits = {}): Decoder {
  const buf = new Uint8ArrayList()
  let want = -1 // body length of the frame being read, -1 while reading its varint
  let headerLen = 0
  let checked = false // the body length was checked against its type's bound

  const maxBlock = (): number => limits.maxBlockSize ?? MAX_BLOCK_SIZE
  const maxManifest = (): number => limits.maxManifestBytes ?? MAX_MANIFEST_BYTES
  const largest = (): number => limits.helloOnly === true
    ? maxFrameBody(T_HELLO, 0, 0)
    : Math.max(5 + maxBlock(), maxFrameBody(T_MANIFEST, 0, maxManifest()), 5 + Math.ceil(MAX_BLOCKS / 8), PEERS_MAX_BODY)

  const readVarint = (): boolean => {
    let n = 0
    for (let i = 0; i < buf.byteLength; i++) {
      if (i >= 5) bad('length prefix longer than 5 bytes')
      const b = buf.get(i)
      n += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) {
        if (n < 1 || n > largest()) bad(`frame length ${n} out of bounds`)
        want = n
        headerLen = i + 1
        checked = false
        return true
      }
    }
    if (buf.byteLength >= 5) bad('length prefix longer than 5 bytes')
    return false
  }

  const checkType = (): void => {
    const type = buf.get(headerLen)
    if (limits.helloOnly === true && type !== T_HELLO) bad('the first message must be HELLO')
    const max = maxFrameBody(type, maxBlock(), maxManifest())
    if (max === 0) bad(`type 0x${type.toString(16)} not accepted here`)
    if (want > max) bad(`frame of ${want} bytes too large for type 0x${type.toString(16)} (at most ${max})`)
    checked = true
  }

  return {
    push (chunk) {
      buf.append(chunk)
    },
    next () {
      if (want < 0 && !readVarint()) return undefined
      if (!checked) {
        if (buf.byteLength <= headerLen) return undefined
        checkType()
      }
      if (buf.byteLength < headerLen + want) return undefined
      const body = buf.sublist(headerLen, headerLen + want)
      buf.consume(headerLen + want)
      want = -1
      return decodeBody(body, maxBlock(), maxManifest())
    },
    get buffered () { return buf.byteLength }
  }
}

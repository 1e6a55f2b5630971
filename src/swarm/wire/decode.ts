/**
 * The block protocol's incremental decoder (SPEC.md §3): bounded buffering,
 * each frame's length checked against its type's bound before the body is
 * buffered, every malformed input a WireDecodeError.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { WireDecodeError } from '../../errors.js'
import { MAX_BLOCKS, MAX_BLOCK_SIZE, MAX_MANIFEST_BYTES } from '../../image/limits.js'
import { GRANT_BYTES, INDEX_TYPES, largestFrameBody, maxFrameBody, T_BITFIELD, T_BLOCK, T_CORRUPT, T_CANCEL, T_DATA_CHANNEL, T_HAVE, T_HELLO, T_MANIFEST, T_MANIFEST_REQUEST, T_PEERS, T_REJECT, T_REQUEST } from './frame-bounds.js'
import { MAX_CID_BYTES, MAX_PEERS, MAX_SIGNATURE_BYTES, PEER_ENTRY_LIMITS, type DecoderLimits, type Message } from './messages.js'
import { decodePeerEntries } from './peer-entries.js'

function bad (why: string): never {
  throw new WireDecodeError(`invalid message: ${why}`)
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
      if (b.length < 1) bad('PEERS truncated')
      if (b[0] > MAX_PEERS) bad('PEERS count')
      const { peers, end } = decodePeerEntries(b, 1, b[0], PEER_ENTRY_LIMITS, why => bad(`PEERS ${why}`))
      if (end !== b.length) bad('PEERS has trailing bytes')
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
  const largest = (): number => largestFrameBody(limits.helloOnly === true, maxBlock(), maxManifest())

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

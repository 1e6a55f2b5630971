/**
 * The block protocol's encoder (SPEC.md §3): a message as length-prefixed
 * chunks, bounds checked on the way out.
 */
import { MAX_BLOCKS, MAX_BLOCK_SIZE, MAX_MANIFEST_BYTES } from '../../image/limits.js'
import { GRANT_BYTES, T_BITFIELD, T_BLOCK, T_DATA_CHANNEL, T_HELLO, T_MANIFEST, T_MANIFEST_REQUEST, T_PEERS, TYPE_CODES } from './frame-bounds.js'
import { MAX_CID_BYTES, MAX_PEERS, MAX_SIGNATURE_BYTES, PEER_ENTRY_LIMITS, type Message } from './messages.js'
import { encodePeerEntries } from './peer-entries.js'

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
      return frame(T_PEERS, [Uint8Array.of(msg.peers.length), ...encodePeerEntries(msg.peers, PEER_ENTRY_LIMITS)])
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

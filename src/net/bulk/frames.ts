/**
 * Framing of the bulk data channel (spec: src/swarm/SPEC.md, "Bulk channel").
 * The dialling side opens with one HELLO; after it, both directions carry
 * only BLOCK frames: a fixed 9-byte header and the block's bytes. The
 * decoder checks every header before any byte of the body is buffered, and
 * copies a body straight into a buffer its caller hands out (or skips it).
 */
import { BulkDecodeError } from '../../errors.js'

/** First bytes of a HELLO */
export const BULK_MAGIC = Uint8Array.from([0x50, 0x43, 0x42, 0x31]) // "PCB1"
export const BULK_VERSION = 1
/** Length of the one-time token */
export const TOKEN_BYTES = 32
/** Longest peer id (multihash bytes) a HELLO may carry */
export const MAX_HELLO_PEER_ID = 128
/** Fixed part of a HELLO: magic, version, token, peer id length */
export const HELLO_FIXED = BULK_MAGIC.length + 1 + TOKEN_BYTES + 1
/** Longest HELLO */
export const MAX_HELLO_BYTES = HELLO_FIXED + MAX_HELLO_PEER_ID
/** Type byte of a BLOCK frame */
export const T_BULK_BLOCK = 0x01
/** BLOCK header: type, u32 index, u32 length */
export const BLOCK_HEADER_BYTES = 9
/** Block indexes are below this (the manifest's limit) */
export const MAX_BULK_INDEX = 1 << 20

export interface BulkHello { token: Uint8Array, peerId: Uint8Array }

export function encodeHello (h: BulkHello): Uint8Array {
  if (h.token.length !== TOKEN_BYTES) throw new RangeError('token must be 32 bytes')
  if (h.peerId.length < 1 || h.peerId.length > MAX_HELLO_PEER_ID) throw new RangeError('peer id must be 1..128 bytes')
  const out = new Uint8Array(HELLO_FIXED + h.peerId.length)
  out.set(BULK_MAGIC, 0)
  out[4] = BULK_VERSION
  out.set(h.token, 5)
  out[5 + TOKEN_BYTES] = h.peerId.length
  out.set(h.peerId, HELLO_FIXED)
  return out
}

/**
 * Reads a HELLO from the front of `buf`: undefined while more bytes are
 * needed, else the HELLO and how many bytes it took. Throws BulkDecodeError as
 * soon as the prefix cannot start a valid HELLO.
 */
export function decodeHello (buf: Uint8Array): { hello: BulkHello, length: number } | undefined {
  for (let i = 0; i < Math.min(buf.length, BULK_MAGIC.length); i++) {
    if (buf[i] !== BULK_MAGIC[i]) throw new BulkDecodeError('not a precache bulk channel (bad magic)')
  }
  if (buf.length > 4 && buf[4] !== BULK_VERSION) throw new BulkDecodeError(`bulk channel version ${buf[4]} is not supported (this node speaks ${BULK_VERSION})`)
  if (buf.length < HELLO_FIXED) return undefined
  const idLen = buf[HELLO_FIXED - 1]
  if (idLen < 1 || idLen > MAX_HELLO_PEER_ID) throw new BulkDecodeError(`bulk HELLO peer id length ${idLen} out of bounds`)
  if (buf.length < HELLO_FIXED + idLen) return undefined
  return {
    hello: { token: buf.slice(5, 5 + TOKEN_BYTES), peerId: buf.slice(HELLO_FIXED, HELLO_FIXED + idLen) },
    length: HELLO_FIXED + idLen
  }
}

/** The 9-byte header of a BLOCK frame (the body follows as its own buffer) */
export function encodeBlockHeader (index: number, length: number): Uint8Array {
  const h = new Uint8Array(BLOCK_HEADER_BYTES)
  const v = new DataView(h.buffer)
  h[0] = T_BULK_BLOCK
  v.setUint32(1, index)
  v.setUint32(5, length)
  return h
}

export type BulkFrame =
  /** a whole block, in the buffer `acquire` handed out */
  | { type: 'block', index: number, data: Uint8Array }
  /** a block `acquire` declined: its bytes were read and dropped */
  | { type: 'skipped', index: number, length: number }

export interface BulkDecoderInit {
  /** largest block body accepted (the manifest's block size) */
  maxBlockSize: number
  /**
   * A buffer of at least `length` bytes for block `index`, or undefined to
   * skip the body without keeping it
   */
  acquire: (index: number, length: number) => Uint8Array | undefined
}

export interface BulkDecoder {
  /** feeds bytes; returns the frames they complete. Throws BulkDecodeError on a bad header */
  push: (chunk: Uint8Array) => BulkFrame[]
  /** true between frames (nothing partial buffered) */
  readonly idle: boolean
}

export function createBulkDecoder (init: BulkDecoderInit): BulkDecoder {
  const header = new Uint8Array(BLOCK_HEADER_BYTES)
  const view = new DataView(header.buffer)
  let headerFill = 0
  let body: Uint8Array | undefined
  let skipping = false
  let index = 0
  let need = 0
  let filled = 0

  const startBody = (): void => {
    if (header[0] !== T_BULK_BLOCK) throw new BulkDecodeError(`unknown bulk frame type 0x${header[0].toString(16)}`)
    index = view.getUint32(1)
    need = view.getUint32(5)
    if (index >= MAX_BULK_INDEX) throw new BulkDecodeError(`bulk block index ${index} out of bounds`)
    if (need < 1 || need > init.maxBlockSize) throw new BulkDecodeError(`bulk block of ${need} bytes (largest allowed ${init.maxBlockSize})`)
    const buf = init.acquire(index, need)
    if (buf != null && buf.length < need) throw new RangeError('acquire returned a buffer shorter than the block')
    body = buf
    skipping = buf == null
    filled = 0
    headerFill = 0
  }

  return {
    get idle () { return headerFill === 0 && body == null && !skipping },
    push (chunk) {
      const out: BulkFrame[] = []
      let off = 0
      while (off < chunk.length) {
        if (body == null && !skipping) {
          const n = Math.min(BLOCK_HEADER_BYTES - headerFill, chunk.length - off)
          header.set(chunk.subarray(off, off + n), headerFill)
          headerFill += n
          off += n
          if (headerFill < BLOCK_HEADER_BYTES) break
          startBody()
        }
        const n = Math.min(need - filled, chunk.length - off)
        if (body != null) body.set(chunk.subarray(off, off + n), filled)
        filled += n
        off += n
        if (filled === need) {
          out.push(body != null ? { type: 'block', index, data: body.subarray(0, need) } : { type: 'skipped', index, length: need })
          body = undefined
          skipping = false
        }
      }
      return out
    }
  }
}

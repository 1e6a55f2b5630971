/**
 * The manifest: what an image is made of. Binary layout (see
 * src/swarm/SPEC.md): magic "PCM1", u32 header length, header (UTF-8 JSON:
 * imageId, size, blockSize, sha256), then 32-byte SHA-256 hashes of every
 * block in order. Its id is a CIDv1 (raw codec, sha2-256) of those bytes.
 */
import { createHash } from 'node:crypto'
import { forEachChunk } from '../util/file-chunks.js'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { WireDecodeError } from '../errors.js'
import { asRecord, isWholeNumber } from '../util/json.js'
import { isImageId } from './id.js'
import { BLOCK_HASH_BYTES as HASH_BYTES, MAX_BLOCKS, MAX_BLOCK_SIZE, MAX_MANIFEST_BYTES, MAX_MANIFEST_HEADER_BYTES as MAX_HEADER_BYTES, MIN_BLOCK_SIZE } from './limits.js'

const MAGIC = new Uint8Array([0x50, 0x43, 0x4d, 0x31]) // "PCM1"

/**
 * Default block size
 *
 * @default 1 MiB
 */
export const DEFAULT_BLOCK_SIZE = 1024 * 1024

export interface Manifest {
  imageId: string
  size: number
  blockSize: number
  /** whole-image SHA-256, lower-case hex */
  sha256: string
  /** SHA-256 of each block */
  blockHashes: Uint8Array[]
}

export function blockCount (size: number, blockSize: number): number {
  return Math.max(1, Math.ceil(size / blockSize))
}

/** Byte length of block `index` */
export function blockLength (m: Pick<Manifest, 'size' | 'blockSize'>, index: number): number {
  return Math.min(m.blockSize, m.size - index * m.blockSize)
}

/**
 * The block size to use for an image: the configured one, doubled until the
 * image fits in MAX_BLOCKS blocks.
 */
export function chooseBlockSize (size: number, configured = DEFAULT_BLOCK_SIZE): number {
  let bs = configured
  while (Math.ceil(size / bs) > MAX_BLOCKS && bs < MAX_BLOCK_SIZE) bs *= 2
  return bs
}

/** Reads an image once, streaming, and hashes every block and the whole */
export async function buildManifest (imageId: string, path: string, blockSize: number, signal?: AbortSignal): Promise<Manifest> {
  const whole = createHash('sha256')
  const blockHashes: Uint8Array[] = []
  let block = createHash('sha256')
  let inBlock = 0
  let size = 0
  await forEachChunk(path, chunk => {
    whole.update(chunk)
    size += chunk.length
    let off = 0
    while (off < chunk.length) {
      const n = Math.min(blockSize - inBlock, chunk.length - off)
      block.update(chunk.subarray(off, off + n))
      inBlock += n
      off += n
      if (inBlock === blockSize) {
        blockHashes.push(block.digest())
        block = createHash('sha256')
        inBlock = 0
      }
    }
  }, { signal })
  if (inBlock > 0 || size === 0) blockHashes.push(block.digest())
  return { imageId, size, blockSize, sha256: whole.digest('hex'), blockHashes }
}

export function encodeManifest (m: Manifest): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ imageId: m.imageId, size: m.size, blockSize: m.blockSize, sha256: m.sha256 }))
  const out = new Uint8Array(8 + header.length + HASH_BYTES * m.blockHashes.length)
  out.set(MAGIC, 0)
  new DataView(out.buffer).setUint32(4, header.length)
  out.set(header, 8)
  let off = 8 + header.length
  for (const h of m.blockHashes) { out.set(h, off); off += HASH_BYTES }
  return out
}

function fail (why: string): never {
  throw new WireDecodeError(`invalid manifest: ${why}`)
}

/** Decodes and validates a manifest; throws WireDecodeError on anything malformed */
export function decodeManifest (bytes: Uint8Array): Manifest {
  if (bytes.length < 8 || bytes.length > MAX_MANIFEST_BYTES) fail(`length ${bytes.length} out of bounds`)
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) fail('bad magic')
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4)
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.length) fail('header length out of bounds')
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)))
  } catch {
    fail('header is not UTF-8 JSON')
  }
  if (header == null || typeof header !== 'object') fail('header is not an object')
  const { imageId, size, blockSize, sha256: whole } = asRecord(header)
  if (!isImageId(imageId)) fail('bad imageId')
  if (!isWholeNumber(size)) fail('bad size')
  if (!isWholeNumber(blockSize, MIN_BLOCK_SIZE) || blockSize > MAX_BLOCK_SIZE) fail('bad blockSize')
  if (typeof whole !== 'string' || !/^[0-9a-f]{64}$/.test(whole)) fail('bad sha256')
  const n = blockCount(size, blockSize)
  if (n > MAX_BLOCKS) fail('too many blocks')
  const body = bytes.subarray(8 + headerLen)
  if (body.length !== n * HASH_BYTES) fail(`expected ${n} block hashes`)
  const blockHashes: Uint8Array[] = []
  for (let i = 0; i < n; i++) blockHashes.push(body.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES))
  return { imageId, size, blockSize, sha256: whole, blockHashes }
}

/** The manifest's content id: CIDv1, raw codec, sha2-256 (the only place it is computed) */
export async function manifestCid (bytes: Uint8Array): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(bytes))
}

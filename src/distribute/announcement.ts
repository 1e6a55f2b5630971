/**
 * Announcements on the gossip topic (JSON, UTF-8, at most 1 MiB):
 * - `{"v":1,"type":"cache","meta":ImageMeta}`: pre-cache this image
 * - `{"v":1,"type":"withdraw","imageId":"…"}`: this image is no longer wanted
 * - `{"v":1,"type":"catalogue","generation":N,"complete":bool,"images":[ImageMeta…]}`:
 *   everything the seeder serves now (sent periodically and on request). Only
 *   a `complete` catalogue — the result of a completed, successful listing
 *   with every listed image served — is an authority to withdraw: an image a
 *   peer holds from this seeder that is absent from it counts as withdrawn.
 *   An incomplete one (first pass not finished, listing failed) never is.
 * Decoding validates every field; anything else is a WireDecodeError.
 */
import { WireDecodeError } from '../errors.js'
import type { ImageMeta } from '../image/meta.js'
import { isImageId, MAX_IMAGE_ID_LENGTH } from '../image/id.js'
import { MAX_SELECTOR_LENGTH } from './selector.js'
import { asRecord, parseJsonBytes } from '../util/json.js'

/** Largest announcement accepted or sent */
export const MAX_ANNOUNCEMENT_BYTES = 1024 * 1024
/** Most images in one catalogue */
export const MAX_CATALOGUE_IMAGES = 2000

/**
 * `seq`: the seeder's announcement sequence number (grows with every
 * announcement and every change of its catalogue, across restarts: it starts
 * from the clock in ms). A peer uses it to refuse a relayed announcement older
 * than what it knows (catalogue-order.ts). Absent from an older seeder's.
 */
export type Announcement =
  | { type: 'cache', meta: ImageMeta, seq?: number }
  | { type: 'withdraw', imageId: string, seq?: number }
  | { type: 'catalogue', images: ImageMeta[], generation?: number, complete?: boolean, seq?: number }

function fail (why: string): never {
  throw new WireDecodeError(`invalid announcement: ${why}`)
}

function str (v: unknown, what: string, max = 1024): string {
  if (typeof v !== 'string' || v.length > max) fail(`${what} must be a string of at most ${max} characters`)
  return v
}

function int (v: unknown, what: string, min: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) fail(`${what} must be a whole number ≥ ${min}`)
  return v as number
}

/** Validates an untrusted object as ImageMeta */
export function parseMeta (value: unknown): ImageMeta {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) fail('meta must be an object')
  const m = asRecord(value)
  const imageId = str(m.imageId, 'imageId', MAX_IMAGE_ID_LENGTH)
  if (!isImageId(imageId)) fail('imageId has characters outside [A-Za-z0-9._-]')
  const manifestId = str(m.manifestId, 'manifestId', 128)
  const sha256 = str(m.sha256, 'sha256', 64)
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail('sha256 must be 64 lower-case hex digits')
  if (!Array.isArray(m.seeders) || m.seeders.length === 0 || m.seeders.length > 16) fail('seeders must list 1 to 16 seeders')
  const seeders = (m.seeders as unknown[]).map(item => {
    if (item == null || typeof item !== 'object') fail('seeder must be an object')
    const s = asRecord(item)
    if (!Array.isArray(s.addrs) || s.addrs.length > 16) fail('seeder addrs must be a list of at most 16')
    return { peerId: str(s.peerId, 'seeder peerId', 128), addrs: (s.addrs as unknown[]).map(a => str(a, 'seeder addr', 256)) }
  })
  const meta: ImageMeta = {
    imageId,
    manifestId,
    size: int(m.size, 'size', 0),
    blockSize: int(m.blockSize, 'blockSize', 1),
    sha256,
    seeders
  }
  if (m.name !== undefined) meta.name = str(m.name, 'name', 1024)
  if (m.diskFormat !== undefined) meta.diskFormat = str(m.diskFormat, 'diskFormat', 32)
  if (m.selector !== undefined) meta.selector = str(m.selector, 'selector', MAX_SELECTOR_LENGTH)
  if (m.pin !== undefined) {
    if (typeof m.pin !== 'boolean') fail('pin must be true or false')
    if (m.pin) meta.pin = true
  }
  return meta
}

export function encodeAnnouncement (a: Announcement): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: 1, ...a }))
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) throw new RangeError(`announcement of ${bytes.length} bytes exceeds ${MAX_ANNOUNCEMENT_BYTES}`)
  return bytes
}

export function decodeAnnouncement (bytes: Uint8Array): Announcement {
  const obj = asRecord(parseJsonBytes(bytes, MAX_ANNOUNCEMENT_BYTES, fail))
  if (obj.v !== 1) fail('unknown version')
  const a = parseBody(obj)
  if (obj.seq !== undefined) a.seq = int(obj.seq, 'seq', 0)
  return a
}

function parseBody (obj: Record<string, unknown>): Announcement {
  switch (obj.type) {
    case 'cache': return { type: 'cache', meta: parseMeta(obj.meta) }
    case 'withdraw': {
      const imageId = str(obj.imageId, 'imageId', MAX_IMAGE_ID_LENGTH)
      if (!isImageId(imageId)) fail('bad imageId')
      return { type: 'withdraw', imageId }
    }
    case 'catalogue':
      if (!Array.isArray(obj.images) || obj.images.length > MAX_CATALOGUE_IMAGES) fail('images must be a list')
      if (obj.complete !== undefined && typeof obj.complete !== 'boolean') fail('complete must be true or false')
      // a catalogue without both fields (an older seeder) is never complete
      if (obj.generation === undefined || obj.complete === undefined) return { type: 'catalogue', images: (obj.images as unknown[]).map(parseMeta), complete: false }
      return { type: 'catalogue', images: (obj.images as unknown[]).map(parseMeta), generation: int(obj.generation, 'generation', 0), complete: obj.complete }
    default: fail('unknown type')
  }
}

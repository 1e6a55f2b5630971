/**
 * Announcements on the gossip topic (JSON, UTF-8, at most 1 MiB):
 * - `{"v":1,"type":"cache","meta":ImageMeta}`: pre-cache this image
 * - `{"v":1,"type":"withdraw","imageId":"…"}`: this image is no longer wanted
 * - `{"v":1,"type":"catalogue","images":[ImageMeta…]}`: everything currently
 *   wanted (sent periodically and on request); an image a peer holds from this
 *   seeder that is absent from its catalogue counts as withdrawn.
 * Decoding validates every field; anything else is a WireDecodeError.
 */
import { WireDecodeError } from '../errors.js'
import type { ImageMeta } from '../image/meta.js'
import { isImageId, MAX_IMAGE_ID_LENGTH } from '../image/id.js'

/** Largest announcement accepted or sent */
export const MAX_ANNOUNCEMENT_BYTES = 1024 * 1024
/** Most images in one catalogue */
export const MAX_CATALOGUE_IMAGES = 2000

export type Announcement =
  | { type: 'cache', meta: ImageMeta }
  | { type: 'withdraw', imageId: string }
  | { type: 'catalogue', images: ImageMeta[] }

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
export function parseMeta (m: any): ImageMeta {
  if (m == null || typeof m !== 'object' || Array.isArray(m)) fail('meta must be an object')
  const imageId = str(m.imageId, 'imageId', MAX_IMAGE_ID_LENGTH)
  if (!isImageId(imageId)) fail('imageId has characters outside [A-Za-z0-9._-]')
  const manifestId = str(m.manifestId, 'manifestId', 128)
  const sha256 = str(m.sha256, 'sha256', 64)
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail('sha256 must be 64 lower-case hex digits')
  if (!Array.isArray(m.seeders) || m.seeders.length === 0 || m.seeders.length > 16) fail('seeders must list 1 to 16 seeders')
  const seeders = m.seeders.map((s: any) => {
    if (s == null || typeof s !== 'object') fail('seeder must be an object')
    if (!Array.isArray(s.addrs) || s.addrs.length > 16) fail('seeder addrs must be a list of at most 16')
    return { peerId: str(s.peerId, 'seeder peerId', 128), addrs: s.addrs.map((a: unknown) => str(a, 'seeder addr', 256)) }
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
  return meta
}

export function encodeAnnouncement (a: Announcement): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: 1, ...a }))
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) throw new RangeError(`announcement of ${bytes.length} bytes exceeds ${MAX_ANNOUNCEMENT_BYTES}`)
  return bytes
}

export function decodeAnnouncement (bytes: Uint8Array): Announcement {
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) fail('too large')
  let obj: any
  try {
    obj = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    fail('not UTF-8 JSON')
  }
  if (obj == null || typeof obj !== 'object' || obj.v !== 1) fail('unknown version')
  switch (obj.type) {
    case 'cache': return { type: 'cache', meta: parseMeta(obj.meta) }
    case 'withdraw': {
      const imageId = str(obj.imageId, 'imageId', MAX_IMAGE_ID_LENGTH)
      if (!isImageId(imageId)) fail('bad imageId')
      return { type: 'withdraw', imageId }
    }
    case 'catalogue':
      if (!Array.isArray(obj.images) || obj.images.length > MAX_CATALOGUE_IMAGES) fail('images must be a list')
      return { type: 'catalogue', images: obj.images.map(parseMeta) }
    default: fail('unknown type')
  }
}

/**
 * Fleet reports (SPEC.md §6): a peer tells each seeder, every
 * `report_interval`, what it holds — one small JSON message on the stream
 * protocol `/precache/report/1.0.0`, answered by one byte. Decoding is strict
 * (every field typed and bounded); anything else is a WireDecodeError.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { WireDecodeError, asError } from '../errors.js'
import { isImageId, MAX_IMAGE_ID_LENGTH } from '../image/id.js'
import type { PrecacheNode } from '../net/node.js'
import { asRecord, parseJsonBytes } from '../util/json.js'

export const REPORT_PROTOCOL = '/precache/report/1.0.0'
/** Largest report accepted or sent */
export const MAX_REPORT_BYTES = 512 * 1024
/** Most images in one report (the catalogue's own limit) */
export const MAX_REPORT_IMAGES = 2000
/** Most labels a host reports */
export const MAX_LABELS = 32
/** Longest error text carried for an image */
export const MAX_ERROR_LENGTH = 300
/** The seeder's answer: the report was decoded and recorded */
export const REPORT_ACCEPTED = 1
/** How long one report exchange may take. @default 10000 */
export const DEFAULT_REPORT_TIMEOUT = 10_000

export interface ImageReport {
  imageId: string
  /** the peer table's state (announced, waiting, downloading, verified, placed, failed, released; cached from 0.2.0 peers): lower-case words and dashes */
  state: string
  size: number
  /** verified blocks held, of `blocks` */
  have: number
  blocks: number
  fromSeeders: number
  fromPeers: number
  reusedBytes: number
  /** seconds spent on the download so far (or in total, once cached) */
  seconds: number
  error?: string
}

export interface Report {
  host: string
  labels: Record<string, string>
  version: string
  images: ImageReport[]
}

function fail (why: string): never {
  throw new WireDecodeError(`invalid report: ${why}`)
}

function str (v: unknown, what: string, max: number, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length > max || (pattern != null && !pattern.test(v))) fail(`${what} must be a string of at most ${max} characters${pattern != null ? ` matching ${String(pattern)}` : ''}`)
  return v
}

function num (v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`${what} must be a whole number ≥ 0`)
  return v as number
}

/** host names and label keys: letters, digits, `.`, `_`, `-`, `/` (label keys like topology.kubernetes.io/zone) */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,252}$/
const STATE_PATTERN = /^[a-z][a-z-]{0,31}$/

function parseImage (v: unknown): ImageReport {
  if (v == null || typeof v !== 'object' || Array.isArray(v)) fail('image must be an object')
  const m = asRecord(v)
  const imageId = str(m.imageId, 'imageId', MAX_IMAGE_ID_LENGTH)
  if (!isImageId(imageId)) fail('imageId has characters outside [A-Za-z0-9._-]')
  const r: ImageReport = {
    imageId,
    state: str(m.state, 'state', 32, STATE_PATTERN),
    size: num(m.size, 'size'),
    have: num(m.have, 'have'),
    blocks: num(m.blocks, 'blocks'),
    fromSeeders: num(m.fromSeeders, 'fromSeeders'),
    fromPeers: num(m.fromPeers, 'fromPeers'),
    reusedBytes: num(m.reusedBytes, 'reusedBytes'),
    seconds: num(m.seconds, 'seconds')
  }
  if (r.have > r.blocks) fail('have exceeds blocks')
  if (m.error !== undefined) r.error = str(m.error, 'error', MAX_ERROR_LENGTH)
  return r
}

export function encodeReport (r: Report): Uint8Array {
  const images = r.images.slice(0, MAX_REPORT_IMAGES).map(i => ({
    ...i,
    seconds: Math.round(i.seconds),
    ...(i.error != null ? { error: i.error.slice(0, MAX_ERROR_LENGTH) } : {})
  }))
  const bytes = new TextEncoder().encode(JSON.stringify({ v: 1, ...r, images }))
  if (bytes.length > MAX_REPORT_BYTES) throw new RangeError(`report of ${bytes.length} bytes exceeds ${MAX_REPORT_BYTES}`)
  return bytes
}

export function decodeReport (bytes: Uint8Array): Report {
  const obj = asRecord(parseJsonBytes(bytes, MAX_REPORT_BYTES, fail))
  if (obj.v !== 1) fail('unknown version')
  const labels: Record<string, string> = {}
  if (obj.labels == null || typeof obj.labels !== 'object' || Array.isArray(obj.labels)) fail('labels must be an object')
  const entries = Object.entries(obj.labels)
  if (entries.length > MAX_LABELS) fail(`more than ${MAX_LABELS} labels`)
  for (const [k, v] of entries) labels[str(k, 'label key', 63, NAME_PATTERN)] = str(v, `label ${k}`, 255)
  if (!Array.isArray(obj.images) || obj.images.length > MAX_REPORT_IMAGES) fail(`images must be a list of at most ${MAX_REPORT_IMAGES}`)
  const images = obj.images.map(parseImage)
  if (new Set(images.map(i => i.imageId)).size !== images.length) fail('an image is listed twice')
  return { host: str(obj.host, 'host', 253, NAME_PATTERN), labels, version: str(obj.version, 'version', 64), images }
}

/**
 * Sends one report to a seeder and waits for its answer. Uses the connection
 * to the seeder when there is one, otherwise dials it. A connection dialled
 * for the report is left to the connection manager, not closed here: the
 * peer's other users of it (catalogue, gossip, block sessions) may have
 * started on it meanwhile, and closing it under them cost a reconnection.
 */
export async function sendReport (node: PrecacheNode, seeder: { id: string, ma: Multiaddr }, report: Report, signal?: AbortSignal): Promise<void> {
  const deadline = AbortSignal.any([AbortSignal.timeout(DEFAULT_REPORT_TIMEOUT), ...(signal != null ? [signal] : [])])
  const stream = await node.dialProtocol(seeder.ma, REPORT_PROTOCOL, { signal: deadline })
  const onAbort = (): void => { stream.abort(new Error('report timed out')) }
  deadline.addEventListener('abort', onAbort, { once: true })
  try {
    stream.send(encodeReport(report))
    // closes our side for writing: the seeder reads to the end, then answers
    await stream.close()
    let answer: number | undefined
    for await (const chunk of stream) { answer ??= chunk.subarray()[0] }
    if (answer !== REPORT_ACCEPTED) throw new WireDecodeError(`seeder ${seeder.id} did not accept the report`)
  } finally {
    deadline.removeEventListener('abort', onAbort)
  }
}

/** Seeder side: records every well-formed report with the authenticated peer id it came from */
export async function handleReports (node: PrecacheNode, onReport: (peerId: string, report: Report) => void, after?: (connection: Connection, stream: Stream) => void): Promise<() => Promise<void>> {
  await node.handle(REPORT_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const deadline = setTimeout(() => { stream.abort(new Error('report timed out')) }, DEFAULT_REPORT_TIMEOUT)
    try {
      const chunks: Uint8Array[] = []
      let total = 0
      for await (const chunk of stream) {
        total += chunk.byteLength
        if (total > MAX_REPORT_BYTES) throw new WireDecodeError('report too large')
        chunks.push(chunk.subarray())
      }
      const report = decodeReport(Buffer.concat(chunks))
      onReport(connection.remotePeer.toString(), report)
      stream.send(Uint8Array.of(REPORT_ACCEPTED))
      await stream.close()
      after?.(connection, stream)
    } catch (err) {
      stream.abort(asError(err))
    } finally {
      clearTimeout(deadline)
    }
  })
  return async () => { await node.unhandle(REPORT_PROTOCOL) }
}

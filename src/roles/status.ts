/**
 * The status file (`--status-file`): a JSON snapshot of a role, rewritten
 * atomically every second. This module is its schema: the types below are
 * what the file holds, and tests, benchmarks and the demo read it through
 * `readStatus`/`parseStatus` — never by parsing log lines.
 *
 * Times are milliseconds since the epoch; byte counts are block data.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { atomicWrite } from '../util/atomic-write.js'
import type { PeerImageState } from './peer-images.js'
import type { SeederImageState } from './seeder-images.js'

/** Version of the status-file format; bumped when a field changes meaning or goes away */
export const STATUS_VERSION = 1

/**
 * How often the status file is rewritten
 *
 * @default 1000
 */
export const DEFAULT_STATUS_INTERVAL = 1000

/** One image on a seeder */
export interface SeederImageStatus {
  imageId: string
  state: SeederImageState
  /** when the image last entered each state it has been in */
  since: Partial<Record<SeederImageState, number>>
  manifestId?: string
  size?: number
  sentBytes: number
  neighbours: number
  /** the last failure (the next period retries) */
  error?: string
}

export interface SeederStatus {
  version: typeof STATUS_VERSION
  role: 'seeder'
  peerId: string
  writtenAt: number
  /** block bytes sent over all images */
  sentBytes: number
  /** nodes subscribed to the announcement topic */
  subscribers: number
  images: SeederImageStatus[]
}

/** One image on a peer */
export interface PeerImageStatus {
  imageId: string
  state: PeerImageState
  /** when the image last entered each state it has been in */
  since: Partial<Record<PeerImageState, number>>
  manifestId: string
  size: number
  /** blocks in the image, and how many are verified here */
  blocks: number
  have: number
  receivedBytes: number
  sentBytes: number
  /** of receivedBytes, how many came from seeders and how many from other peers (once placed) */
  fromSeeders?: number
  fromPeers?: number
  /** blocks found verified on disk when the download (re)started */
  resumedBlocks?: number
  neighbours: number
  /** seconds spent downloading (so far, or in total once placed) */
  seconds: number
  /** the last failure; `retryAt` says when it is tried again */
  error?: string
  retryAt?: number
}

/** A seeder the peer keeps a connection to */
export interface SeederLinkStatus {
  addr: string
  peerId: string
  connected: boolean
  /** why the last dial failed (what to check), while not connected */
  error?: string
}

export interface PeerStatus {
  version: typeof STATUS_VERSION
  role: 'peer'
  peerId: string
  writtenAt: number
  seeders: SeederLinkStatus[]
  images: PeerImageStatus[]
}

export type Status = SeederStatus | PeerStatus

/** A status file that is not in this format */
export class StatusFormatError extends Error {
  override readonly name = 'StatusFormatError'
}

/** Checks the envelope of a parsed status file (role, version, image list) */
export function parseStatus (text: string): Status {
  let v: unknown
  try { v = JSON.parse(text) } catch { throw new StatusFormatError('status file is not JSON') }
  const s = v as Partial<Status> | null
  if (s == null || typeof s !== 'object') throw new StatusFormatError('status file is not an object')
  if (s.version !== STATUS_VERSION) throw new StatusFormatError(`status file version ${String(s.version)}, expected ${STATUS_VERSION}`)
  if (s.role !== 'seeder' && s.role !== 'peer') throw new StatusFormatError(`status file role ${String(s.role)}`)
  if (!Array.isArray(s.images)) throw new StatusFormatError('status file has no image list')
  return s as Status
}

/** The status in `file`, or undefined while the file does not exist yet */
export async function readStatus (file: string): Promise<Status | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  return text != null ? parseStatus(text) : undefined
}

/** readStatus for synchronous pollers (the benchmarks' `until`) */
export function readStatusSync (file: string): Status | undefined {
  let text: string
  try { text = readFileSync(file, 'utf8') } catch { return undefined }
  return parseStatus(text)
}

/** A peer's status (undefined before the file exists); throws when the file is a seeder's */
export async function readPeerStatus (file: string): Promise<PeerStatus | undefined> {
  const s = await readStatus(file)
  if (s != null && s.role !== 'peer') throw new StatusFormatError(`${file} is a ${s.role} status file`)
  return s
}

/** A seeder's status (undefined before the file exists); throws when the file is a peer's */
export async function readSeederStatus (file: string): Promise<SeederStatus | undefined> {
  const s = await readStatus(file)
  if (s != null && s.role !== 'seeder') throw new StatusFormatError(`${file} is a ${s.role} status file`)
  return s
}

/** Writes `snapshot()` to `path` atomically every `interval`; the returned function writes a last one and stops */
export function startStatusFile (path: string | undefined, snapshot: () => Status, interval = DEFAULT_STATUS_INTERVAL): () => Promise<void> {
  if (path == null) return async () => {}
  let writing: Promise<void> = Promise.resolve()
  const write = (): void => {
    writing = writing.then(async () => { await atomicWrite(path, JSON.stringify(snapshot()), { sync: false, mode: 0o644 }) }).catch(() => {})
  }
  const timer = setInterval(write, interval)
  write()
  return async () => { clearInterval(timer); write(); await writing }
}

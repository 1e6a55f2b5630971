/**
 * The status file (`--status-file`): a JSON snapshot of a role, rewritten
 * atomically within a second of any change. This module is its schema: the types below are
 * what the file holds, and tests, benchmarks and the demo read it through
 * `readStatus` / `readPeerStatus` / `readSeederStatus` — never by parsing log
 * lines. A field is added here first; the roles' snapshots must match it.
 *
 * Times are milliseconds since the epoch; byte counts are block data.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { DataPathStatus } from '../swarm/data-path.js'
import type { BanRecord } from '../net/bans.js'
import { atomicWrite } from '../util/atomic-write.js'
import type { PeerImageState } from './peer-images.js'
import type { SeederUnreachable } from './seeder-link.js'
import type { SeederImageState } from './seeder-images.js'
import type { RelayCounters, Via } from '../distribute/subscriber.js'
import type { LinksStatus } from './links.js'

/**
 * How often the status file is rewritten
 *
 * @default 1000
 */
export const DEFAULT_STATUS_INTERVAL = 1000

/** One image on a seeder (a row of its state table, seeder-images.ts) */
export interface SeederImageStatus {
  imageId: string
  /** listed → fetched → served → announced */
  state: SeederImageState
  /** when the image last entered each state it has been in */
  since: Partial<Record<SeederImageState, number>>
  manifestId?: string
  size?: number
  /** block bytes sent for this image */
  sentBytes: number
  neighbours: number
  /** most neighbours at once, and peers turned away ([seeder] max_block_peers) */
  peakNeighbours: number
  turnedAway: number
  /** distinct blocks sent at least once, and blocks sent again before every block went out once */
  blocksSent: number
  firstPassRepeats: number
  /** requests refused because the block was never offered to that neighbour (super-seeding enforced) */
  refusedRequests?: number
  /** the last failure (the next period retries) */
  error?: string
}

export interface SeederStatus {
  role: 'seeder'
  peerId: string
  data: DataPathStatus
  /** block bytes sent over all images */
  sentBytes: number
  /** nodes subscribed to the announcement topic */
  subscribers: number
  catalogue: { generation: number, complete: boolean }
  /** present with [glance] notifications_url: whether the seeder is listening for Glance's notifications now */
  glanceNotifications?: { connected: boolean }
  images: SeederImageStatus[]
  /** peers with strikes or bans (net/bans.ts) */
  bans?: BanRecord[]
  /** inbound connections whose handshake failed (another swarm key, or another expected identity) */
  refusedHandshakes?: number
  /** connections and gossip links (SPEC.md §1, "Relayed announcements") */
  relay?: SeederRelayStatus
}

export interface SeederRelayStatus {
  /** peers kept connected to carry the seeder's gossip into the mesh, and the most it keeps ([seeder] gossip_links) */
  links: number
  maxLinks: number
  /** catalogue pulls answered */
  pullsAnswered: number
  /** the catalogue's sequence number */
  seq: number
  /** libp2p connections open now, the most at once, and idle ones the seeder closed */
  connections: number
  peakConnections: number
  idleClosed: number
}

/** How a peer first learned of an image's current announcement */
export interface LearnedImage {
  at: number
  via: Via
  /** whether the peer had a connection to any of its seeders at that moment */
  seederConnected: boolean
}

/** A peer's announcement relay: counters, neighbours, seeder links */
export interface PeerRelayStatus extends RelayCounters, LinksStatus {
  /** libp2p connections open now (all kinds) and the most at once */
  connections: number
  peakConnections: number
  /** manifests fetched from other peers and from seeders (a peer with no seeder connection asks neighbours first) */
  manifests: { fromPeers: number, fromSeeders: number }
  /** per image (the last 64 announced): when and how it was first learned */
  learned: Record<string, LearnedImage>
}

/** One image on a peer (a row of its state table, peer-images.ts) */
export interface PeerImageStatus {
  imageId: string
  /**
   * announced → [waiting (for disk space) →] downloading → verified → placed →
   * released (withdrawn, deleted at deleteAt); failed: retried with back-off
   */
  state: PeerImageState
  /** when the image last entered each state it has been in */
  since: Partial<Record<PeerImageState, number>>
  manifestId: string
  size: number
  blocks: number
  have: number
  receivedBytes: number
  /** of receivedBytes, the bytes that crossed bulk channels */
  receivedBulkBytes: number
  sentBytes: number
  /** bytes of this download received from seeders and from other peers */
  fromSeeders: number
  fromPeers: number
  /** bytes copied from blocks already on this host (other versions, other images, repeated blocks) */
  reusedBytes: number
  neighbours: number
  seconds?: number
  /** when this peer had the image verified and in place (ms since the epoch) */
  cachedAt?: number
  /** blocks found verified on disk when the download (re)started */
  resumedBlocks?: number
  error?: string
  pinned: boolean
  /** released: when it is deleted (ms since the epoch) */
  deleteAt?: number
  /** times this host's copy was found corrupt and repaired */
  repairs: number
}

/** A seeder as the peer sees it */
export interface SeederView {
  peerId: string
  connected: boolean
  /** catalogues received from it */
  catalogues: number
  /** its last catalogue was complete (a finished listing: it may withdraw) */
  complete: boolean
  generation?: number
  /** the newest complete generation applied */
  applied?: number
  /** while it cannot be reached: why (the text says what to check) and since when */
  unreachable?: SeederUnreachable
}

export interface PeerStatus {
  role: 'peer'
  peerId: string
  data: DataPathStatus
  seeders: SeederView[]
  /** `waiting`: images in state waiting (for disk space) */
  cache: { bytes: number, maxBytes: number, minFree: number, waiting: string[] }
  images: PeerImageStatus[]
  /** peers with strikes or bans (net/bans.ts) */
  bans?: BanRecord[]
  /** inbound connections whose handshake failed */
  refusedHandshakes?: number
  relay?: PeerRelayStatus
}

export type Status = SeederStatus | PeerStatus

/** A status file that is not in this format */
export class StatusFormatError extends Error {
  override readonly name = 'StatusFormatError'
}

/** Parses a status file, checking its envelope (role, image list) */
export function parseStatus (text: string, file = 'status file'): Status {
  let v: unknown
  try { v = JSON.parse(text) } catch { throw new StatusFormatError(`${file} is not JSON`) }
  const s = v as Partial<Status> | null
  if (s == null || typeof s !== 'object') throw new StatusFormatError(`${file} is not an object`)
  if (s.role !== 'seeder' && s.role !== 'peer') throw new StatusFormatError(`${file} has role ${String(s.role)}`)
  if (!Array.isArray(s.images)) throw new StatusFormatError(`${file} has no image list`)
  return s as Status
}

/** The status in `file`, or undefined while the file does not exist yet */
export async function readStatus (file: string): Promise<Status | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  return text != null ? parseStatus(text, file) : undefined
}

/** readStatus for synchronous pollers (the benchmarks' `until`) */
export function readStatusSync (file: string): Status | undefined {
  let text: string
  try { text = readFileSync(file, 'utf8') } catch { return undefined }
  return parseStatus(text, file)
}

function asRole<R extends Status['role']> (s: Status | undefined, role: R, file: string): Extract<Status, { role: R }> | undefined {
  if (s != null && s.role !== role) throw new StatusFormatError(`${file} is a ${s.role} status file, not a ${role}'s`)
  return s as Extract<Status, { role: R }> | undefined
}

/** A peer's status (undefined before the file exists) */
export async function readPeerStatus (file: string): Promise<PeerStatus | undefined> {
  return asRole(await readStatus(file), 'peer', file)
}

/** A seeder's status (undefined before the file exists) */
export async function readSeederStatus (file: string): Promise<SeederStatus | undefined> {
  return asRole(await readStatus(file), 'seeder', file)
}

/** readSeederStatus for synchronous pollers */
export function readSeederStatusSync (file: string): SeederStatus | undefined {
  return asRole(readStatusSync(file), 'seeder', file)
}

/** readPeerStatus for synchronous pollers */
export function readPeerStatusSync (file: string): PeerStatus | undefined {
  return asRole(readStatusSync(file), 'peer', file)
}

/**
 * A status file whose content has not changed is still rewritten this often
 * (so that one removed by hand comes back)
 *
 * @default 30000
 */
export const DEFAULT_STATUS_REFRESH = 30_000

/**
 * Writes `snapshot()` to `path` atomically when it changed, checked every
 * `interval` (an idle node does not rewrite the same bytes every second); the
 * returned function writes a last one and stops
 */
export function startStatusFile (path: string | undefined, snapshot: () => Status, interval = DEFAULT_STATUS_INTERVAL, refresh = DEFAULT_STATUS_REFRESH): () => Promise<void> {
  if (path == null) return async () => {}
  let writing: Promise<void> = Promise.resolve()
  let last = ''
  let lastAt = 0
  const write = (force: boolean): void => {
    const text = JSON.stringify(snapshot())
    if (!force && text === last && Date.now() - lastAt < refresh) return
    last = text
    lastAt = Date.now()
    // rewritten often and worthless after a crash: no fsync; readable like any log
    writing = writing.then(async () => { await atomicWrite(path, text, { sync: false, mode: 0o644 }) }).catch(() => {})
  }
  const timer = setInterval(() => { write(false) }, interval)
  write(true)
  return async () => { clearInterval(timer); write(true); await writing }
}

/**
 * The peer's per-image state table: the one place that says where every
 * image stands on this host. An image moves
 *
 *     announced → [waiting →] downloading → verified → placed → released
 *
 * `announced`: a seeder announced it and this host wants it (manifest being
 * fetched and checked); `waiting`: its disk space reservation waits
 * (cache/space.ts); `downloading`: blocks are coming in; `verified`: the whole
 * image matched its hash, the cache driver is placing it; `placed`: it is in
 * place (and served to neighbours); `released`: withdrawn, deleted once the
 * grace period is over unless announced again. `failed`: the last attempt
 * failed, retried with back-off. A new version, a repair or a retry goes back
 * to `announced`; a released image announced again in its grace period goes
 * straight back to `placed`. A row is deleted when the image is deleted (or
 * its download stopped before anything was placed).
 *
 * The persisted part of a row (`stored`: what was placed, where, released
 * when) is written through to `<state_dir>/peer/state.json` (peer-store.ts,
 * whose format is unchanged) by the moves that change it, one write each, so
 * the table and the file never disagree. Every move is logged at debug level.
 */
import type { Logger } from '../log.js'
import type { ImageMeta } from '../image/meta.js'
import { createImageTable, ImageStateError } from './image-table.js'
import type { ImageRow, ImageTable, Transitions } from './image-table.js'
import type { PeerStore, StoredImage } from './peer-store.js'

export type PeerImageState = 'announced' | 'waiting' | 'downloading' | 'verified' | 'placed' | 'failed' | 'released'

export const PEER_IMAGE_STATES: readonly PeerImageState[] = ['announced', 'waiting', 'downloading', 'verified', 'placed', 'failed', 'released']

/** Every move the peer makes; anything else is a bug (ImageStateError) */
export const PEER_TRANSITIONS: Transitions<PeerImageState> = {
  // in place already (a restart, an adoption), or waits for space, or downloads
  announced: ['waiting', 'downloading', 'placed', 'failed', 'released'],
  // a new version or a repair starts over from `announced`, from any state
  waiting: ['downloading', 'announced', 'failed', 'released'],
  downloading: ['verified', 'announced', 'failed', 'released'],
  verified: ['placed', 'announced', 'failed', 'released'],
  placed: ['announced', 'released'],
  // retried with back-off
  failed: ['announced', 'released'],
  // announced again: the same version is kept, a new one is downloaded
  released: ['placed', 'announced']
}

/** What one download did, for the status file */
export interface DownloadReport {
  /** bytes copied from blocks already on this host */
  reusedBytes: number
  fromSeeders: number
  fromPeers: number
  /** blocks found verified on disk when the download (re)started */
  resumedBlocks?: number
}

/** The download (or check) this host runs for an image */
export interface PeerJob {
  /** the announcement being worked on (its seeders grow when others announce the same content) */
  meta: ImageMeta
  /** the seeder whose announcement started it */
  seeder: string
  controller: AbortController
  /** ms since the epoch */
  started: number
  report: DownloadReport
}

export interface PeerImage extends ImageRow<PeerImageState> {
  /** the announced version being worked on; absent for a row read from disk until it is announced */
  job?: PeerJob
  /** the persisted record (state.json): what is placed or released on this host */
  stored?: StoredImage
  /** when the image was verified and in place (ms since the epoch) */
  cachedAt?: number
  seconds?: number
  /** times this host's copy was found corrupt and repaired */
  repairs: number
}

type Fields = Partial<Omit<PeerImage, 'imageId' | 'state' | 'since' | 'stored'>>

export interface PeerImages {
  get: (imageId: string) => PeerImage | undefined
  rows: () => PeerImage[]
  /** moves a row (ImageStateError when the move is not in PEER_TRANSITIONS) */
  move: (imageId: string, to: PeerImageState, fields?: Fields) => PeerImage
  /** a wanted image: a new row, or its row moved back to `announced` */
  want: (imageId: string, job: PeerJob, repairs: number) => PeerImage
  /** the image is in place: moves to `placed` and records it, in the same write as the end of download `finished` */
  place: (imageId: string, stored: StoredImage, finished?: string, fields?: Fields) => Promise<PeerImage>
  /** withdrawn: moves to `released` and records when it is deleted */
  release: (imageId: string, deleteAt: number) => Promise<void>
  /** the persisted part changes without a move (lastAnnounced, pinned) */
  touch: (imageId: string, stored: StoredImage) => Promise<void>
  /**
   * drops the persisted record (the image was deleted, or its download
   * stopped before anything was placed); the row goes too unless a download
   * of a new version is running
   */
  forget: (imageId: string) => Promise<void>
  /** persisted records, for reuse and the grace sweep */
  stored: () => Array<[string, StoredImage]>
  /** bytes of the images on this host (placed and released), for the quota */
  cachedBytes: () => number
}

export function createPeerImageTable (now?: () => number): ImageTable<PeerImageState, PeerImage> {
  return createImageTable<PeerImageState, PeerImage>({ name: 'peer images', initial: ['announced', 'placed', 'released'], transitions: PEER_TRANSITIONS, now })
}

/** The table over the peer's store: rows for what state.json holds, in `placed` or `released` */
export function openPeerImages (components: { store: PeerStore, log: Logger }, now?: () => number): PeerImages {
  const { store, log } = components
  const table = createPeerImageTable(now)
  for (const [imageId, stored] of store.all()) table.put({ imageId, state: stored.state, stored, repairs: 0 })

  const moved = (row: PeerImage, from: PeerImageState): PeerImage => {
    if (row.state !== from) log.debug(`image ${row.imageId}: ${from} → ${row.state}`, { event: 'image-state', imageId: row.imageId, from, to: row.state })
    return row
  }
  const move = (imageId: string, to: PeerImageState, fields?: Fields): PeerImage => {
    const from = table.get(imageId)?.state ?? to
    return moved(table.move(imageId, to, fields), from)
  }
  const must = (imageId: string): PeerImage => {
    const row = table.get(imageId)
    if (row == null) throw new ImageStateError(`peer images: no row for image ${imageId}`)
    return row
  }

  return {
    get: table.get,
    rows: table.rows,
    move,
    want (imageId, job, repairs) {
      const row = table.get(imageId)
      if (row == null) {
        const put = table.put({ imageId, state: 'announced', job, repairs })
        log.debug(`image ${imageId}: announced`, { event: 'image-state', imageId, to: 'announced' })
        return put
      }
      return move(imageId, 'announced', { job, repairs: Math.max(repairs, row.repairs), cachedAt: undefined, seconds: undefined })
    },
    async place (imageId, stored, finished, fields) {
      await store.update(imageId, stored, finished)
      // the file is placed and recorded: the table says so even if the row
      // went (a withdrawal racing the last step of a download), so that the
      // next withdrawal or complete catalogue releases it like any other
      const row = table.get(imageId) ?? table.put({ imageId, state: 'placed', repairs: 0 })
      row.stored = stored
      // a newer version being worked on keeps its row where it is
      if (row.job != null && row.job.meta.manifestId !== stored.manifestId) return row
      return move(imageId, 'placed', { ...fields })
    },
    async release (imageId, deleteAt) {
      const row = must(imageId)
      if (row.stored == null) throw new Error(`image ${imageId} has nothing placed to release`)
      const stored: StoredImage = { ...row.stored, state: 'released', deleteAt }
      await store.update(imageId, stored)
      row.stored = stored
      move(imageId, 'released')
    },
    async touch (imageId, stored) {
      const row = must(imageId)
      await store.update(imageId, stored)
      row.stored = stored
    },
    async forget (imageId) {
      if (store.get(imageId) != null) await store.update(imageId, undefined)
      const row = table.get(imageId)
      if (row == null) return
      row.stored = undefined
      // a download of a new version goes on; otherwise the row goes too
      if (row.job == null || row.state === 'placed' || row.state === 'released') {
        table.delete(imageId)
        log.debug(`image ${imageId}: forgotten`, { event: 'image-state', imageId, from: row.state })
      }
    },
    stored: () => table.rows().flatMap(r => r.stored != null ? [[r.imageId, r.stored] as [string, StoredImage]] : []),
    cachedBytes: () => table.rows().reduce((n, r) => n + (r.stored?.size ?? 0), 0)
  }
}

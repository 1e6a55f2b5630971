/**
 * The peer's per-image state table. An image moves
 *
 *     announced → downloading → verified → placed → released
 *
 * `announced`: a trusted seeder wants it here (also where a failed attempt
 * waits for its retry, with `error` and `retryAt` set); `downloading`: blocks
 * are being fetched; `verified`: every block and the whole image checked;
 * `placed`: handed to the cache driver and served to others; `released`:
 * withdrawn and removed. An image already in place after a restart goes from
 * announced straight to placed; a new manifest for an image starts a new row.
 */
import type { ImageMeta } from '../image/meta.js'
import { createImageTable } from './image-table.js'
import type { ImageRow, ImageTable, Transitions } from './image-table.js'

export type PeerImageState = 'announced' | 'downloading' | 'verified' | 'placed' | 'released'

export const PEER_IMAGE_STATES: readonly PeerImageState[] = ['announced', 'downloading', 'verified', 'placed', 'released']

const TRANSITIONS: Transitions<PeerImageState> = {
  announced: ['downloading', 'placed', 'released'],
  downloading: ['verified', 'announced', 'released'],
  verified: ['placed', 'announced', 'released'],
  placed: ['released'],
  released: []
}

export interface PeerImage extends ImageRow<PeerImageState> {
  meta: ImageMeta
  /** the seeder whose announcement this row follows */
  seeder: string
  /** failed attempts before this one */
  attempt: number
  /** aborts this row's download */
  controller: AbortController
  /** when this row's work started (ms since the epoch) */
  startedAt: number
  /** download time, once placed (0 when it was already in place) */
  seconds?: number
  /** blocks already verified on disk when the download started */
  resumedBlocks?: number
  /** block bytes received from seeders and from other peers */
  fromSeeders?: number
  fromPeers?: number
  /** when a failed attempt is retried (ms since the epoch) */
  retryAt?: number
}

export type PeerImageTable = ImageTable<PeerImageState, PeerImage>

export function createPeerImageTable (now?: () => number): PeerImageTable {
  return createImageTable<PeerImageState, PeerImage>({ name: 'peer images', initial: ['announced'], transitions: TRANSITIONS, now })
}

/**
 * The seeder's per-image state table. An image moves
 *
 *     listed → fetched → served → announced
 *
 * and, when its bytes change, from announced back to served (new manifest)
 * and announced again. An image that leaves a successful listing is
 * withdrawn and its row deleted. A failed fetch or serve leaves the row where
 * it was, with `error` set; the next period tries again.
 */
import type { ImageMeta } from '../image/meta.js'
import type { ImageRef } from '../image/ref.js'
import { createImageTable } from './image-table.js'
import type { ImageRow, ImageTable, Transitions } from './image-table.js'

export type SeederImageState = 'listed' | 'fetched' | 'served' | 'announced'

export const SEEDER_IMAGE_STATES: readonly SeederImageState[] = ['listed', 'fetched', 'served', 'announced']

const TRANSITIONS: Transitions<SeederImageState> = {
  listed: ['fetched'],
  fetched: ['served'],
  served: ['announced'],
  announced: ['served']
}

export interface SeederImage extends ImageRow<SeederImageState> {
  /** what the lister reported */
  ref: ImageRef
  /** what is announced (from `served` on) */
  meta?: ImageMeta
}

export type SeederImageTable = ImageTable<SeederImageState, SeederImage>

export function createSeederImageTable (now?: () => number): SeederImageTable {
  return createImageTable<SeederImageState, SeederImage>({ name: 'seeder images', initial: ['listed'], transitions: TRANSITIONS, now })
}

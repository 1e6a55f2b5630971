/**
 * A per-image state table: one row per image, each in one state of a fixed
 * set, moving only along the transitions the role declares. Both roles keep
 * exactly one (see seeder-images.ts, peer-images.ts); the status file, the
 * logs and the role's decisions all read it.
 *
 * Adding a state: add it to the role's state union and give it its row in
 * the role's transition map (the compiler insists on both). Adding a field:
 * add it to the role's row type.
 */

/** The part of a row every table keeps */
export interface ImageRow<S extends string> {
  readonly imageId: string
  state: S
  /** when the row last entered each state it has been in (ms since the epoch) */
  since: Partial<Record<S, number>>
  /** the last failure while in this state, cleared by the next move */
  error?: string
}

/** For every state, the states a row may move to from it */
export type Transitions<S extends string> = { readonly [K in S]: readonly S[] }

/** A move that the role's transition map does not allow: a programming error */
export class ImageStateError extends Error {
  override readonly name = 'ImageStateError'
}

export interface ImageTable<S extends string, R extends ImageRow<S>> {
  get: (imageId: string) => R | undefined
  /** adds a row, replacing any row of that image, in one of the initial states */
  put: (row: Omit<R, 'since'>) => R
  /** moves a row to `to` (a move to its current state only updates fields); throws ImageStateError when not allowed */
  move: (imageId: string, to: S, fields?: Partial<Omit<R, 'imageId' | 'state' | 'since'>>) => R
  /** changes fields without a move */
  update: (imageId: string, fields: Partial<Omit<R, 'imageId' | 'state' | 'since'>>) => R
  delete: (imageId: string) => boolean
  rows: () => R[]
  size: () => number
}

export interface ImageTableInit<S extends string> {
  /** names the table in errors */
  name: string
  /** states a new row may start in */
  initial: readonly S[]
  transitions: Transitions<S>
  /** @default Date.now */
  now?: () => number
}

export function createImageTable<S extends string, R extends ImageRow<S>> (init: ImageTableInit<S>): ImageTable<S, R> {
  const rows = new Map<string, R>()
  const now = init.now ?? Date.now

  const must = (imageId: string): R => {
    const row = rows.get(imageId)
    if (row == null) throw new ImageStateError(`${init.name}: no row for image ${imageId}`)
    return row
  }

  return {
    get: (imageId) => rows.get(imageId),
    put (fields) {
      if (!init.initial.includes(fields.state)) throw new ImageStateError(`${init.name}: a row cannot start in state ${fields.state}`)
      const since: Partial<Record<S, number>> = {}
      since[fields.state] = now()
      const row = { ...fields, since } as R // `fields` is R without `since`, which is added here
      rows.set(row.imageId, row)
      return row
    },
    move (imageId, to, fields = {}) {
      const row = must(imageId)
      if (row.state !== to) {
        if (!init.transitions[row.state].includes(to)) throw new ImageStateError(`${init.name}: image ${imageId} cannot move from ${row.state} to ${to}`)
        row.state = to
        row.since[to] = now()
        row.error = undefined
      }
      Object.assign(row, fields)
      return row
    },
    update (imageId, fields) {
      return Object.assign(must(imageId), fields)
    },
    delete: (imageId) => rows.delete(imageId),
    rows: () => [...rows.values()],
    size: () => rows.size
  }
}

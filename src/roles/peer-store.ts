/**
 * The peer's one state store: what it is downloading, what it placed, what
 * was released (withdrawn, waiting out the grace period), and the signed
 * manifests it holds. One writer per process: every change goes through
 * `update`, and the whole record is written to a uniquely named temp file,
 * fsynced, renamed over `state.json` and the folder fsynced, one write at a
 * time, so a kill -9 at any moment leaves either the old or the new record.
 * (`placed.json` of earlier versions is read once and converted.)
 */
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { atomicWrite } from '../util/atomic-write.js'
import { asRecord, isWholeNumber, optionalString } from '../util/json.js'

export type StoredState = 'placed' | 'released'

/** a download in progress: its `.part` and `.progress` files in the staging folder are wanted */
export interface StoredDownload { imageId: string, size: number }

export interface StoredImage {
  manifestId: string
  /** the seeder that announced it */
  seeder: string
  state: StoredState
  size: number
  /** where the cache driver placed it (placed, released) */
  path?: string
  /** the placed file holds the announced bytes (it can be served and reused) */
  sameBytes?: boolean
  /** pinned images are never evicted to make room */
  pinned?: boolean
  /** when a seeder last announced it (ms since the epoch); eviction takes the oldest first */
  lastAnnounced: number
  /** released: when it may be deleted (ms since the epoch) */
  deleteAt?: number
}

export interface PeerStore {
  get: (imageId: string) => StoredImage | undefined
  all: () => Array<[string, StoredImage]>
  /**
   * changes one record (undefined deletes it) and resolves once the change is
   * on disk; `finished` names a download whose record goes in the same write
   */
  update: (imageId: string, next: StoredImage | undefined, finished?: string) => Promise<void>
  /** downloads in progress, by manifest id */
  downloads: () => Array<[string, StoredDownload]>
  /** records (or, with undefined, forgets) a download in progress */
  setDownload: (manifestId: string, d: StoredDownload | undefined) => Promise<void>
  saveManifest: (manifestId: string, bytes: Uint8Array, signature: Uint8Array) => Promise<void>
  loadManifest: (manifestId: string) => Promise<{ manifestBytes: Uint8Array, signature: Uint8Array } | undefined>
  removeManifest: (manifestId: string) => Promise<void>
}

const STORED_STATES: readonly unknown[] = ['placed', 'released'] satisfies StoredState[]

/** A record read back from state.json, checked field by field (an optional field of the wrong type is dropped) */
function storedImage (v: unknown): StoredImage | undefined {
  const r = asRecord(v)
  if (typeof r.manifestId !== 'string' || typeof r.seeder !== 'string' || !STORED_STATES.includes(r.state) || !isWholeNumber(r.size)) return undefined
  return {
    manifestId: r.manifestId,
    seeder: r.seeder,
    state: r.state as StoredState, // checked against STORED_STATES above
    size: r.size,
    ...(typeof r.path === 'string' ? { path: r.path } : {}),
    ...(typeof r.sameBytes === 'boolean' ? { sameBytes: r.sameBytes } : {}),
    ...(typeof r.pinned === 'boolean' ? { pinned: r.pinned } : {}),
    lastAnnounced: isWholeNumber(r.lastAnnounced) ? r.lastAnnounced : Date.now(),
    ...(isWholeNumber(r.deleteAt) ? { deleteAt: r.deleteAt } : {})
  }
}

export async function openPeerStore (stateDir: string, log: Logger): Promise<PeerStore> {
  const dir = join(stateDir, 'peer')
  const file = join(dir, 'state.json')
  await mkdir(join(dir, 'manifests'), { recursive: true })
  const images = new Map<string, StoredImage>()
  const downloads = new Map<string, StoredDownload>()
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text != null) {
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch {
      const kept = `${file}.invalid-${Date.now()}`
      await rename(file, kept).catch(() => {})
      log.error(`peer state ${file} is not valid JSON (kept as ${kept}); starting without it: placed images are adopted again when announced, nothing is deleted`)
    }
    const state = asRecord(parsed)
    for (const [id, r] of Object.entries(asRecord(state.images))) {
      const rec = storedImage(r)
      if (rec != null) images.set(id, rec)
    }
    for (const [id, v] of Object.entries(asRecord(state.downloads))) {
      const d = asRecord(v)
      if (typeof d.imageId === 'string') downloads.set(id, { imageId: d.imageId, size: isWholeNumber(d.size) ? d.size : 0 })
    }
  } else {
    // the record of earlier versions: placed images only
    const old: unknown = await readFile(join(dir, 'placed.json'), 'utf8').then(t => JSON.parse(t), () => undefined)
    for (const [id, v] of Object.entries(asRecord(old))) {
      const p = asRecord(v)
      if (typeof p.manifestId === 'string') images.set(id, { manifestId: p.manifestId, seeder: optionalString(p.seeder) ?? '', state: 'placed', size: 0, path: optionalString(p.path), sameBytes: typeof p.sameBytes === 'boolean' ? p.sameBytes : undefined, lastAnnounced: Date.now() })
    }
  }
  for (const f of await readdir(dir)) {
    if (f.endsWith('.tmp')) await rm(join(dir, f), { force: true })
  }

  // one writer: a change made while a write runs is written by the next one,
  // and changes made while that one waits share it
  let chain: Promise<void> = Promise.resolve()
  let queued = false
  const save = async (): Promise<void> => {
    if (!queued) {
      queued = true
      chain = chain.catch(() => {}).then(async () => {
        queued = false
        await atomicWrite(file, JSON.stringify({ version: 1, images: Object.fromEntries(images), downloads: Object.fromEntries(downloads) }, null, 1))
      })
    }
    await chain
  }

  const manifestPath = (id: string, ext: string): string => join(dir, 'manifests', `${id}.${ext}`)
  return {
    get: (id) => images.get(id),
    all: () => [...images.entries()],
    async update (id, next, finished) {
      if (next == null) images.delete(id)
      else images.set(id, next)
      if (finished != null) downloads.delete(finished)
      await save()
    },
    downloads: () => [...downloads.entries()],
    async setDownload (id, d) {
      if (d == null) downloads.delete(id)
      else downloads.set(id, d)
      await save()
    },
    async saveManifest (manifestId, bytes, signature) {
      await atomicWrite(manifestPath(manifestId, 'manifest'), bytes)
      await atomicWrite(manifestPath(manifestId, 'sig'), signature)
    },
    async loadManifest (manifestId) {
      try {
        const manifestBytes = new Uint8Array(await readFile(manifestPath(manifestId, 'manifest')))
        const signature = new Uint8Array(await readFile(manifestPath(manifestId, 'sig')))
        return { manifestBytes, signature }
      } catch {
        return undefined
      }
    },
    async removeManifest (manifestId) {
      if ([...images.values()].some(r => r.manifestId === manifestId) || downloads.has(manifestId)) return
      await rm(manifestPath(manifestId, 'manifest'), { force: true })
      await rm(manifestPath(manifestId, 'sig'), { force: true })
    }
  }
}

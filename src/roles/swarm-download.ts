/**
 * One image on a peer: fetch and verify the signed manifest, reserve its
 * space, copy the blocks it already holds elsewhere (reuse), download the
 * rest through the swarm into a `.part` file, verify the whole image, hand it
 * to the cache driver, and keep serving it to others afterwards.
 */
import type { CacheDriver } from '../cache/driver.js'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ImageHashMismatchError, NoSpaceError, UntrustedManifestError, errorMessage, throwIfAborted } from '../errors.js'
import { formatBytes } from '../config/units.js'
import type { Logger } from '../log.js'
import { decodeManifest } from '../image/manifest.js'
import type { ImageMeta } from '../image/meta.js'
import { verifyManifest } from '../image/sign.js'
import type { Source, Swarm } from '../swarm/engine.js'
import { openPartialStore, openSourceStore, seedPartialFrom } from '../swarm/store.js'
import type { PartialStore } from '../swarm/store.js'
import type { Torrent } from '../swarm/torrent.js'
import type { Space } from '../cache/space.js'
import { partialSources, reuseBlocks } from '../cache/reuse.js'
import type { BlockSource } from '../cache/reuse.js'
import type { PeerStore } from './peer-store.js'
import { fetchManifestShared } from './manifest-fetch.js'
import type { ManifestCounts } from './manifest-fetch.js'
import type { DownloadReport, PeerImages } from './peer-images.js'

export interface DownloadComponents {
  swarm: Swarm
  driver: CacheDriver
  /** the peer's state table: what is placed where */
  images: PeerImages
  /** downloads in progress and signed manifests (the image records are written through `images`) */
  store: PeerStore
  space: Space
  trusted: string[]
  log: Logger
  /** our copy of this image (placed or partial) was found corrupt while serving it: repair it */
  onCorrupt?: (meta: ImageMeta) => void
  /**
   * connected neighbours to ask for a manifest before its seeders (any node
   * holding it may answer: the signature and the CID are checked, SPEC.md §4)
   */
  neighbours?: () => Source[]
  /** is this peer connected to one of these seeders now? (then it fetches a manifest from them at once) */
  seederConnected?: (seeders: string[]) => boolean
  /** manifests fetched from peers and from seeders */
  manifestCounts?: ManifestCounts
}

async function signedManifest (c: DownloadComponents, meta: ImageMeta, signal: AbortSignal): Promise<{ manifestBytes: Uint8Array, signature: Uint8Array }> {
  const saved = await c.store.loadManifest(meta.manifestId)
  const got = saved ?? await fetchManifestShared({ ...c, counts: c.manifestCounts }, meta, signal)
  await verifyManifest(got.manifestBytes, got.signature, c.trusted)
  const m = decodeManifest(got.manifestBytes)
  if (m.imageId !== meta.imageId || m.size !== meta.size || m.sha256 !== meta.sha256) {
    throw new UntrustedManifestError(`manifest ${meta.manifestId} does not describe image ${meta.imageId} as announced`)
  }
  if (saved == null) await c.store.saveManifest(meta.manifestId, got.manifestBytes, got.signature)
  return got
}

/**
 * Serves an image that is already in place (after a restart, or announced
 * again after it was released) and rejoins its swarm, so that the seeder can
 * point newcomers at this host. Resolves with true when the image is in place.
 */
export async function reseed (c: DownloadComponents, meta: ImageMeta, seeder: string, pinned: boolean): Promise<boolean> {
  let p = c.images.get(meta.imageId)?.stored
  if (p == null || p.manifestId !== meta.manifestId) {
    // placed by a peer that was killed before it recorded it: adopt it, never place it twice
    const found = await c.driver.lookup?.(meta)
    if (found == null) return false
    p = { manifestId: meta.manifestId, seeder, state: 'placed', size: meta.size, path: found.path, sameBytes: found.sameBytes, pinned, lastAnnounced: Date.now() }
    await c.images.place(meta.imageId, p, meta.manifestId)
    await rm(join(c.driver.stagingDir(), `${meta.manifestId}.progress`), { force: true })
    c.log(`image ${meta.imageId} was placed before a restart but not recorded: adopting it`, { path: found.path })
  } else if (!await c.driver.has(meta)) {
    return false
  } else if (c.store.downloads().some(([id]) => id === meta.manifestId)) {
    await c.store.setDownload(meta.manifestId, undefined) // killed after placing it, before this was forgotten
  }
  if (p.sameBytes !== true || p.path == null || c.swarm.get(meta.manifestId) != null) return true
  const signed = await c.store.loadManifest(meta.manifestId)
  if (signed == null) return true
  // each block is checked the first time it is read to be sent, so a copy
  // damaged on disk (also while this peer was down) is never served
  const store = await openSourceStore(p.path, decodeManifest(signed.manifestBytes), 'once')
  const torrent = c.swarm.add({ manifestId: meta.manifestId, ...signed, store, superSeed: false, onCorrupt: () => { c.onCorrupt?.(meta) } })
  void c.swarm.connect(torrent, meta.seeders)
  return true
}

/** Local copies whose blocks a new download may reuse: placed images with the announced bytes, other partial downloads */
async function reuseSources (c: DownloadComponents, staging: string, manifestId: string): Promise<BlockSource[]> {
  const out: BlockSource[] = []
  for (const [, r] of c.images.stored()) {
    if (r.sameBytes !== true || r.path == null) continue
    const saved = await c.store.loadManifest(r.manifestId)
    if (saved != null) out.push({ path: r.path, manifest: decodeManifest(saved.manifestBytes) })
  }
  return out.concat(await partialSources(staging, c.store.loadManifest, manifestId))
}

/** Stops the download at the first write the disk refuses (ENOSPC, EIO…): a refused write is never retried block by block */
function stopOnWriteErrors (store: PartialStore, meta: ImageMeta, stop: (err: Error) => void): void {
  const write = store.write
  store.write = async (index, data) => {
    try {
      return await write(index, data)
    } catch (err) {
      if (typeof (err as NodeJS.ErrnoException | undefined)?.code === 'string') {
        stop((err as NodeJS.ErrnoException).code === 'ENOSPC'
          ? new NoSpaceError(`image ${meta.imageId}: the disk is full (ENOSPC while writing ${store.partPath}); the download stops and is retried later`)
          : new NoSpaceError(`image ${meta.imageId}: cannot write ${store.partPath} (${String((err as NodeJS.ErrnoException).code)}); the download stops and is retried later`))
      }
      throw err
    }
  }
}

/** Forgets downloads of earlier manifests of this image (their blocks were reused already) */
async function dropReplaced (c: DownloadComponents, staging: string, meta: ImageMeta): Promise<void> {
  for (const [id, d] of c.store.downloads()) {
    if (d.imageId !== meta.imageId || id === meta.manifestId) continue
    await rm(join(staging, `${id}.part`), { force: true })
    await rm(join(staging, `${id}.progress`), { force: true })
    await c.store.setDownload(id, undefined)
    await c.store.removeManifest(id)
    c.log(`image ${meta.imageId}: removed the partial download of its replaced manifest ${id}`)
  }
}

/** The steps of a download the peer's state table follows */
export type DownloadStep = 'waiting' | 'downloading' | 'verified'

/**
 * Downloads, verifies and places one image; resolves with the placed path.
 * `step` is told when the download waits for disk space, when its blocks start
 * coming in, and when the whole image is verified (it is then placed).
 * With `repair`, the placed copy (found corrupt) is the starting point: its
 * good blocks are kept, the bad ones fetched again, and the whole image is
 * verified before it replaces the placed file.
 */
export async function downloadImage (c: DownloadComponents, meta: ImageMeta, seeder: string, signal: AbortSignal, report: DownloadReport, pinned: boolean, repair = false, step: (s: DownloadStep) => void = () => {}): Promise<string> {
  const started = Date.now()
  const signed = await signedManifest(c, meta, signal)
  const manifest = decodeManifest(signed.manifestBytes)
  const staging = c.driver.stagingDir()
  await mkdir(staging, { recursive: true })
  const reservation = await c.space.reserve(meta.imageId, meta.size, join(staging, `${meta.manifestId}.part`), signal, () => { step('waiting') })
  step('downloading')
  const failed = new AbortController()
  const abort = AbortSignal.any([signal, failed.signal])
  let torrent: Torrent | undefined
  try {
    await c.store.setDownload(meta.manifestId, { imageId: meta.imageId, size: meta.size })
    const placedBefore = c.images.get(meta.imageId)?.stored
    if (repair && placedBefore?.manifestId === meta.manifestId && placedBefore.sameBytes === true && placedBefore.path != null) {
      await seedPartialFrom(staging, meta.manifestId, manifest, placedBefore.path).catch((err: unknown) => {
        c.log.warn(`image ${meta.imageId}: cannot start the repair from the placed copy (${errorMessage(err)}): downloading it whole`)
      })
    }
    const store = await openPartialStore(staging, meta.manifestId, manifest)
    if (store.have.count() > 0) {
      report.resumedBlocks = store.have.count()
      c.log(`resuming image ${meta.imageId}`, { verifiedBlocks: store.have.count(), blocks: store.have.size })
    }
    try {
      const reused = await reuseBlocks(store, await reuseSources(c, staging, meta.manifestId), signal)
      report.reusedBytes += reused
      if (reused > 0) c.log(`image ${meta.imageId}: reused ${formatBytes(reused)} of blocks already on this host`, { reusedBytes: reused, missingBlocks: store.have.size - store.have.count() })
    } catch (err) {
      await store.close()
      throw err
    }
    await dropReplaced(c, staging, meta)
    stopOnWriteErrors(store, meta, err => { if (!failed.signal.aborted) failed.abort(err) })
    torrent = c.swarm.add({ manifestId: meta.manifestId, ...signed, store, superSeed: false, onCorrupt: () => { c.onCorrupt?.(meta) } })
    await c.swarm.connect(torrent, meta.seeders, abort)
    await Promise.race([torrent.complete, new Promise((_resolve, reject) => {
      abort.addEventListener('abort', () => { reject(abort.reason) }, { once: true })
    })])
    throwIfAborted(abort)
    c.log.debug(`image ${meta.imageId}: all ${store.have.size} blocks verified, checking the whole image`, { seconds: (Date.now() - started) / 1000 })
    try {
      await store.verifyWhole(signal)
    } catch (err) {
      if (err instanceof ImageHashMismatchError) await c.swarm.remove(meta.manifestId)
      throw err
    }
    step('verified')
    const seeders = new Set(meta.seeders.map(s => s.peerId))
    report.fromSeeders = Object.entries(torrent.ledger.byPeer()).filter(([id]) => seeders.has(id)).reduce((n, [, e]) => n + e.received, 0)
    report.fromPeers = torrent.ledger.totalReceived - report.fromSeeders
    const previous = c.images.get(meta.imageId)?.stored
    const placed = await c.driver.store(meta, store.partPath, signal)
    await store.finish()
    await c.images.place(meta.imageId, { manifestId: meta.manifestId, seeder, state: 'placed', size: meta.size, path: placed.path, sameBytes: placed.sameBytes, pinned, lastAnnounced: Date.now() }, meta.manifestId)
    if (previous != null && previous.manifestId !== meta.manifestId) {
      await c.swarm.remove(previous.manifestId)
      await c.store.removeManifest(previous.manifestId)
    }
    if (!placed.sameBytes) await c.swarm.remove(meta.manifestId)
    const seconds = (Date.now() - started) / 1000
    c.log(`cached image ${meta.imageId}`, { path: placed.path, bytes: meta.size, seconds, fromSeeders: report.fromSeeders, fromPeers: report.fromPeers, reusedBytes: report.reusedBytes })
    return placed.path
  } catch (err) {
    if (abort.aborted) await c.swarm.remove(meta.manifestId)
    if (failed.signal.aborted && !signal.aborted) throw failed.signal.reason
    throw err
  } finally {
    reservation.release()
  }
}

/** Removes the partial download of an image that is no longer wanted */
export async function dropDownload (c: DownloadComponents, imageId: string): Promise<void> {
  const staging = c.driver.stagingDir()
  for (const [id, d] of c.store.downloads()) {
    if (d.imageId !== imageId) continue
    await c.swarm.remove(id)
    await rm(join(staging, `${id}.part`), { force: true })
    await rm(join(staging, `${id}.progress`), { force: true })
    await c.store.setDownload(id, undefined)
    await c.store.removeManifest(id)
  }
}

/**
 * At start: removes `.part` and `.progress` files in the staging folder that
 * no recorded download wants (left by a crash, or by an older version)
 */
export async function removeStrayPartials (c: DownloadComponents): Promise<void> {
  const staging = c.driver.stagingDir()
  const wanted = new Set(c.store.downloads().map(([id]) => id))
  for (const f of await readdir(staging).catch((): string[] => [])) {
    const m = /^(.+)\.(part|progress)(\.tmp)?$/.exec(f)
    if (m == null || wanted.has(m[1])) continue
    await rm(join(staging, f), { force: true })
    c.log(`removed ${f} from ${staging}: no download wants it`)
  }
}

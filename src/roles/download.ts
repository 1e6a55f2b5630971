/**
 * One image on a peer: fetch and verify the signed manifest, download every
 * block through the swarm into a `.part` file, verify the whole image, hand it
 * to the cache driver, and keep serving it to others afterwards.
 */
import type { CacheDriver } from '../cache/driver.js'
import { mkdir, stat, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { ImageHashMismatchError, NoSpaceError, UntrustedManifestError, throwIfAborted } from '../errors.js'
import { formatBytes } from '../config/units.js'
import type { Logger } from '../log.js'
import { decodeManifest } from '../image/manifest.js'
import type { ImageMeta } from '../image/meta.js'
import { verifyManifest } from '../image/sign.js'
import type { Swarm } from '../swarm/engine.js'
import { openPartialStore, openSourceStore, seedPartialFrom } from '../swarm/store.js'
import type { Torrent } from '../swarm/torrent.js'
import type { PlacedRecord } from './placed.js'

export interface DownloadComponents {
  swarm: Swarm
  driver: CacheDriver
  placed: PlacedRecord
  trusted: string[]
  log: Logger
  /** our copy of this image (placed or partial) was found corrupt while serving it */
  onCorrupt: (meta: ImageMeta) => void
}

async function signedManifest (c: DownloadComponents, meta: ImageMeta, signal: AbortSignal): Promise<{ manifestBytes: Uint8Array, signature: Uint8Array }> {
  const saved = await c.placed.loadManifest(meta.manifestId)
  const got = saved ?? await c.swarm.fetchManifest(meta.manifestId, meta.seeders, signal)
  await verifyManifest(got.manifestBytes, got.signature, c.trusted)
  const m = decodeManifest(got.manifestBytes)
  if (m.imageId !== meta.imageId || m.size !== meta.size || m.sha256 !== meta.sha256) {
    throw new UntrustedManifestError(`manifest ${meta.manifestId} does not describe image ${meta.imageId} as announced`)
  }
  if (saved == null) await c.placed.saveManifest(meta.manifestId, got.manifestBytes, got.signature)
  return got
}

/** Fails early, with a clear message, when the staging file system cannot hold the image */
async function ensureSpace (dir: string, meta: ImageMeta): Promise<void> {
  await mkdir(dir, { recursive: true })
  const fs = await statfs(dir)
  const partial = await stat(join(dir, `${meta.manifestId}.part`)).then(s => s.blocks * 512, () => 0)
  const free = fs.bavail * fs.bsize
  if (free + partial < meta.size) {
    throw new NoSpaceError(`image ${meta.imageId} needs ${formatBytes(meta.size)} in ${dir} but only ${formatBytes(free)} is free; free some space (it will be retried)`)
  }
}

/** Serves an image that is already in place (after a restart), if its bytes are unchanged */
export async function reseed (c: DownloadComponents, meta: ImageMeta): Promise<Torrent | undefined> {
  const p = c.placed.get(meta.imageId)
  if (p == null || p.manifestId !== meta.manifestId || !p.sameBytes || !await c.driver.has(meta)) return undefined
  const signed = await c.placed.loadManifest(meta.manifestId)
  if (signed == null) return undefined
  // each block is checked the first time it is read to be sent, so a copy
  // damaged on disk (also while this peer was down) is never served
  const store = await openSourceStore(p.path, decodeManifest(signed.manifestBytes), 'once')
  return c.swarm.add({ manifestId: meta.manifestId, ...signed, store, superSeed: false, onCorrupt: () => { c.onCorrupt(meta) } })
}

/**
 * Downloads, verifies and places one image; resolves with the placed path.
 * With `repair`, the placed copy (found corrupt) is the starting point: its
 * good blocks are kept, the bad ones fetched again, and the whole image is
 * verified before it replaces the placed file.
 */
export async function downloadImage (c: DownloadComponents, meta: ImageMeta, seeder: string, signal: AbortSignal, repair = false): Promise<string> {
  const started = Date.now()
  const signed = await signedManifest(c, meta, signal)
  const manifest = decodeManifest(signed.manifestBytes)
  await ensureSpace(c.driver.stagingDir(), meta)
  const placedBefore = c.placed.get(meta.imageId)
  if (repair && placedBefore?.manifestId === meta.manifestId && placedBefore.sameBytes) {
    await seedPartialFrom(c.driver.stagingDir(), meta.manifestId, manifest, placedBefore.path).catch((err: any) => {
      c.log.warn(`image ${meta.imageId}: cannot start the repair from the placed copy (${err.message}): downloading it whole`)
    })
  }
  const store = await openPartialStore(c.driver.stagingDir(), meta.manifestId, manifest)
  if (store.have.count() > 0) c.log(`resuming image ${meta.imageId}`, { verifiedBlocks: store.have.count(), blocks: store.have.size })
  const torrent = c.swarm.add({ manifestId: meta.manifestId, ...signed, store, superSeed: false, onCorrupt: () => { c.onCorrupt(meta) } })
  try {
    await c.swarm.connect(torrent, meta.seeders, signal)
    await Promise.race([torrent.complete, new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })])
    throwIfAborted(signal)
    c.log(`image ${meta.imageId}: all ${store.have.size} blocks verified, checking the whole image`, { seconds: (Date.now() - started) / 1000 })
    try {
      await store.verifyWhole(signal)
    } catch (err) {
      if (err instanceof ImageHashMismatchError) await c.swarm.remove(meta.manifestId)
      throw err
    }
    const placed = await c.driver.store(meta, store.partPath, signal)
    await store.finish()
    await c.placed.set(meta.imageId, { manifestId: meta.manifestId, seeder, path: placed.path, sameBytes: placed.sameBytes })
    if (!placed.sameBytes) await c.swarm.remove(meta.manifestId)
    const seconds = (Date.now() - started) / 1000
    const seeders = new Set(meta.seeders.map(s => s.peerId))
    const fromSeeders = Object.entries(torrent.ledger.byPeer()).filter(([id]) => seeders.has(id)).reduce((n, [, e]) => n + e.received, 0)
    c.log(`cached image ${meta.imageId}`, { path: placed.path, bytes: meta.size, seconds, fromSeeders, fromPeers: torrent.ledger.totalReceived - fromSeeders })
    return placed.path
  } catch (err) {
    if (signal.aborted) await c.swarm.remove(meta.manifestId)
    throw err
  }
}

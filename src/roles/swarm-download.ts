/**
 * One image on a peer, through the swarm: fetch and verify the signed manifest, download every
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
import { openPartialStore, openSourceStore } from '../swarm/store.js'
import type { Torrent } from '../swarm/torrent.js'
import type { PlacedRecord } from './placed.js'

export interface DownloadComponents {
  swarm: Swarm
  driver: CacheDriver
  placed: PlacedRecord
  trusted: string[]
  log: Logger
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
  const store = await openSourceStore(p.path, decodeManifest(signed.manifestBytes))
  return c.swarm.add({ manifestId: meta.manifestId, ...signed, store, superSeed: false })
}

/** What a finished download reports */
export interface Downloaded {
  /** where the cache driver placed the image */
  path: string
  seconds: number
  /** block bytes received from the image's seeders, and from other peers */
  fromSeeders: number
  fromPeers: number
}

/** Moments of a download the caller records (the peer's state table) */
export interface DownloadEvents {
  /** the download starts (or resumes with `resumedBlocks` already verified) */
  started?: (resumedBlocks: number) => void
  /** every block and the whole image verified; about to place it */
  verified?: () => void
}

/** Downloads, verifies and places one image */
export async function downloadImage (c: DownloadComponents, meta: ImageMeta, seeder: string, signal: AbortSignal, events: DownloadEvents = {}): Promise<Downloaded> {
  const started = Date.now()
  const signed = await signedManifest(c, meta, signal)
  const manifest = decodeManifest(signed.manifestBytes)
  await ensureSpace(c.driver.stagingDir(), meta)
  const store = await openPartialStore(c.driver.stagingDir(), meta.manifestId, manifest)
  if (store.have.count() > 0) c.log(`resuming image ${meta.imageId}`, { verifiedBlocks: store.have.count(), blocks: store.have.size })
  events.started?.(store.have.count())
  const torrent = c.swarm.add({ manifestId: meta.manifestId, ...signed, store, superSeed: false })
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
    events.verified?.()
    const placed = await c.driver.store(meta, store.partPath, signal)
    await store.finish()
    await c.placed.set(meta.imageId, { manifestId: meta.manifestId, seeder, path: placed.path, sameBytes: placed.sameBytes })
    if (!placed.sameBytes) await c.swarm.remove(meta.manifestId)
    const seconds = (Date.now() - started) / 1000
    const seeders = new Set(meta.seeders.map(s => s.peerId))
    const fromSeeders = Object.entries(torrent.ledger.byPeer()).filter(([id]) => seeders.has(id)).reduce((n, [, e]) => n + e.received, 0)
    const fromPeers = torrent.ledger.totalReceived - fromSeeders
    c.log(`cached image ${meta.imageId}`, { path: placed.path, bytes: meta.size, seconds, fromSeeders, fromPeers })
    return { path: placed.path, seconds, fromSeeders, fromPeers }
  } catch (err) {
    if (signal.aborted) await c.swarm.remove(meta.manifestId)
    throw err
  }
}

/**
 * Where a peer gets a new manifest (SPEC.md §4: any node holding it may
 * answer; the signature and the CID are what is trusted). When an image is
 * announced, every peer of a region wants its manifest within the same second:
 * asking the seeder at once would send it one manifest per host (32 bytes per
 * block: 0.3× a 1 GiB image at 10,000 hosts). So a peer connected to a seeder
 * (a gossip link, a block session) fetches it from the seeder at once, and
 * the others ask their neighbours — every 250 ms, for a random 0.5–3 s —
 * before they turn to a seeder: the manifest spreads from the links through
 * the mesh.
 */
import type { ImageMeta } from '../image/meta.js'
import type { Source, Swarm } from '../swarm/engine.js'

/** Shortest and longest time a peer keeps asking neighbours before a seeder, ms. @default 500, 3000 */
export const MANIFEST_WAIT_MIN = 500
export const MANIFEST_WAIT_MAX = 3000
/** Pause between two rounds of asking neighbours, ms. @default 250 */
export const NEIGHBOUR_RETRY = 250
/** Time allowed for one round of asking neighbours, ms. @default 2000 */
export const NEIGHBOUR_ROUND_TIMEOUT = 2000

/** Manifests fetched, by source (the peer's status file) */
export interface ManifestCounts { fromPeers: number, fromSeeders: number }

export interface ManifestFetchComponents {
  swarm: Swarm
  /** up to a few random connected peers (not seeders) */
  neighbours?: () => Source[]
  /** is this peer connected to one of these seeders now? */
  seederConnected?: (seeders: string[]) => boolean
  counts?: ManifestCounts
  random?: () => number
}

const pause = async (ms: number, signal: AbortSignal): Promise<void> => {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}

export async function fetchManifestShared (c: ManifestFetchComponents, meta: ImageMeta, signal: AbortSignal): Promise<{ manifestBytes: Uint8Array, signature: Uint8Array }> {
  const random = c.random ?? Math.random
  const direct = c.seederConnected?.(meta.seeders.map(s => s.peerId)) ?? true
  const until = Date.now() + (direct ? 0 : MANIFEST_WAIT_MIN + random() * (MANIFEST_WAIT_MAX - MANIFEST_WAIT_MIN))
  for (;;) {
    signal.throwIfAborted()
    const ns = c.neighbours?.() ?? []
    if (ns.length === 0) break
    try {
      const got = await c.swarm.fetchManifest(meta.manifestId, ns, AbortSignal.any([signal, AbortSignal.timeout(NEIGHBOUR_ROUND_TIMEOUT)]))
      if (c.counts != null) c.counts.fromPeers++
      return got
    } catch {} // none of them holds it yet
    if (Date.now() >= until) break
    await pause(NEIGHBOUR_RETRY, signal)
  }
  signal.throwIfAborted()
  const got = await c.swarm.fetchManifest(meta.manifestId, meta.seeders, signal)
  if (c.counts != null) c.counts.fromSeeders++
  return got
}

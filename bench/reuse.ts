/**
 * Block reuse across versions: one seeder → one peer (separate processes). The
 * peer caches a random image (default 1 GiB), then the image changes in a
 * given fraction of its blocks (default 1%, scattered evenly); prints the
 * bytes the peer fetched and reused for the new version, from its status file.
 *
 *   npm run bench:reuse -- [--size 1GiB] [--changed 0.01]
 */
import { randomBytes } from 'node:crypto'
import { copyFile, mkdtemp, open, rename, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createCluster } from '../src/demo/cluster.js'
import type { Cluster, PeerHandle } from '../src/demo/cluster.js'
import { sha256File, writeRandomImage } from '../src/demo/image.js'
import { parseSize } from '../src/config/units.js'
import type { PeerImageStatus } from '../src/roles/status.js'

const MiB = 1024 * 1024

async function cached (c: Cluster, p: PeerHandle, notManifest?: string): Promise<PeerImageStatus> {
  for (;;) {
    const s = (await c.peerStatus(p))?.images.find(i => i.imageId === 'img')
    if (s?.state === 'placed' && s.manifestId !== notManifest) return s
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

const { values } = parseArgs({ options: { size: { type: 'string', default: '1GiB' }, changed: { type: 'string', default: '0.01' } } })
const size = parseSize(values.size)
const blocks = Math.ceil(size / MiB)
const changed = Math.max(1, Math.round(blocks * Number(values.changed)))
const dir = await mkdtemp(join(tmpdir(), 'pc-reuse-'))
const c = await createCluster({ dir, seederArgs: ['--interval', '2s'] })
try {
  const image = join(c.imagesDir, 'img')
  await writeRandomImage(image, size)
  await c.startSeeder()
  const p = await c.startPeer(1)
  const v1 = await cached(c, p)
  // a new version: `changed` blocks of 1 MiB rewritten, evenly spread
  const tmp = join(dir, 'img.v2')
  await copyFile(image, tmp)
  const fh = await open(tmp, 'r+')
  for (let i = 0; i < changed; i++) await fh.write(randomBytes(MiB), 0, MiB, Math.floor(i * blocks / changed) * MiB)
  await fh.close()
  await rename(tmp, image)
  const started = Date.now()
  const v2 = await cached(c, p, v1.manifestId)
  const ok = await sha256File(join(p.cacheDir, 'img')) === await sha256File(image)
  const result = { size, changedBlocks: changed, blocks, fetchedBytes: v2.receivedBytes, reusedBytes: v2.reusedBytes, secondsToV2: (Date.now() - started) / 1000, identical: ok, load: loadavg()[0] }
  console.log(`${(size / MiB).toFixed(0)} MiB image, ${changed} of ${blocks} blocks changed: fetched ${(v2.receivedBytes / MiB).toFixed(1)} MiB, reused ${(v2.reusedBytes / MiB).toFixed(1)} MiB, identical=${String(ok)} (load ${result.load.toFixed(1)})`)
  console.log(JSON.stringify(result))
} finally {
  await c.stop()
  await rm(dir, { recursive: true, force: true })
}

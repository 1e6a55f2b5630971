/**
 * Issue 15, item 3 (real processes): peers that hold an image keep serving it
 * across a seeder restart and their own restart (they rejoin its swarm), so
 * a wiped host afterwards gets most bytes from peers, not from the seeder.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { writeRandomImage } from '../../src/demo/image.js'
import { imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { restartPeer, restartSeeder, seederStatus } from './helpers.js'

const MiB = 1024 * 1024

test('after a seeder restart and a peer restart, a wiped host gets most bytes from the peers', async t => {
  const c = await newCluster('rejoin')
  t.teardown(async () => { await c.stop(); if (process.env.KEEP == null) await rm(c.dir, { recursive: true, force: true }) })
  const size = 32 * MiB
  await writeRandomImage(join(c.imagesDir, 'img'), size)
  await c.startSeeder()
  const [p1, p2] = await Promise.all([1, 2].map(async i => await c.startPeer(i)))
  for (const p of [p1, p2]) await waitCached(c, p, 'img')
  // the seeder restarts (and re-hashes the image), and so does one of the peers
  await restartSeeder(c, { touch: ['img'] })
  const again = await restartPeer(c, p1)
  await waitCached(c, again, 'img')
  t.is((await imageStatus(c, again, 'img'))?.receivedBytes, 0, 'the restarted peer serves what it holds without downloading')
  await waitFor('both holders to rejoin the restarted seeder\'s swarm', async () => {
    const img = (await seederStatus(c))?.images.find(i => i.imageId === 'img')
    return img != null && img.neighbours >= 2
  }, 60_000)
  const before = (await seederStatus(c))?.sentBytes ?? 0
  // a wiped host
  const fresh = await c.startPeer(3)
  await waitCached(c, fresh, 'img')
  const s = await imageStatus(c, fresh, 'img')
  if (s == null) throw new Error('the wiped host has no status for the image')
  const sent = ((await seederStatus(c))?.sentBytes ?? 0) - before
  t.log(`wiped host: ${s.fromPeers / MiB} MiB from peers, ${s.fromSeeders / MiB} MiB from the seeder; the seeder sent ${sent / MiB} MiB`)
  // every byte arrived (endgame may fetch a block twice, so more is allowed; waitCached checked the whole image)
  t.true(s.fromPeers + s.fromSeeders >= size, 'the whole image arrived')
  t.true(s.fromPeers > s.fromSeeders, 'most bytes came from peers')
  t.true(sent < size / 2, 'the restarted seeder sent less than half the image')
})

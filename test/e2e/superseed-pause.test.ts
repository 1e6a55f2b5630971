/**
 * Super-seeding with a host that stops answering (SIGSTOP: a hung or
 * CPU-starved host) in the middle of the first pass, with real processes.
 * Blocks offered to it must go to others without the seeder sending any
 * block twice before it has sent every block once; every peer, the paused one
 * included, still ends with the exact bytes.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { imageStatus, newCluster, waitCached, waitFor } from './helpers.js'

const MiB = 1024 * 1024

test('a peer paused for 12 s mid-transfer: no block leaves the seeder twice before every block left once, and every peer finishes', async t => {
  // a slow seeder (8 Mbit/s for 32 blocks) keeps the first pass going while the peer is paused
  const c = await newCluster('pause', { seederArgs: ['--block-size', '256KiB', '--upload-rate', '8mbit'] })
  const size = 8 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img-8'), size)
  await c.startSeeder()
  const peers = await Promise.all([1, 2, 3, 4].map(async i => await c.startPeer(i)))
  const paused = peers[0]
  let resumed = false
  const resume = (): void => { if (!resumed) { resumed = true; paused.child.proc.kill('SIGCONT') } }
  t.teardown(async () => { resume(); await c.stop(); await rm(c.dir, { recursive: true, force: true }) })

  await waitFor('the first peer to hold a block', async () => ((await imageStatus(c, paused, 'img-8'))?.have ?? 0) >= 1, 120_000)
  paused.child.proc.kill('SIGSTOP')
  const seeder = async (): Promise<any> => (await c.seederStatus())?.images.find(i => i.imageId === 'img-8')
  const atPause = await seeder()
  t.log(`paused ${paused.child.name} with the seeder at ${atPause?.blocksSent ?? 0} of 32 blocks sent`)
  await new Promise(resolve => setTimeout(resolve, 12_000))
  resume()

  await Promise.all(peers.map(async p => { await waitCached(c, p, 'img-8', 240_000) }))
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'img-8')), sha, `${p.child.name} holds the exact bytes`)
  await new Promise(resolve => setTimeout(resolve, 1500))
  const img = await seeder()
  t.log(`seeder: sent ${(img.sentBytes / size).toFixed(2)}× the image, ${img.blocksSent} of 32 blocks, first-pass repeats ${img.firstPassRepeats}, refused requests ${img.refusedRequests}`)
  t.true((atPause?.blocksSent ?? 0) < 32, 'the peer was paused during the first pass')
  t.is(img.blocksSent, 32, 'every block left the seeder')
  t.is(img.firstPassRepeats, 0, 'no block was sent twice before every block was sent once')
})

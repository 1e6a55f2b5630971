/**
 * Bounded seeder load with real processes: a seeder that serves at most two
 * block sessions at a time still gets the image to six peers, through a
 * sample of peers it hands to the ones it turns away, sending every block
 * once before any block twice.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { newCluster, waitCached } from './helpers.js'

const MiB = 1024 * 1024

test('max_block_peers 2: six peers all get the image, the seeder never holds more than 2 block sessions and repeats no block before sending all', async t => {
  const c = await newCluster('maxpeers', { seederArgs: ['--max-block-peers', '2', '--block-size', '256KiB'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 8 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img-8'), size)
  await c.startSeeder()
  const peers = await Promise.all([1, 2, 3, 4, 5, 6].map(async i => await c.startPeer(i)))
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'img-8', 180_000) }))
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'img-8')), sha, `${p.child.name} holds the exact bytes`)
  await new Promise(resolve => setTimeout(resolve, 1500))
  const img = (await c.seederStatus())?.images.find(i => i.imageId === 'img-8')
  if (img == null) throw new Error('the seeder does not report img-8')
  t.log(`seeder: peak ${img.peakNeighbours} block sessions, turned away ${img.turnedAway} times, sent ${(img.sentBytes / size).toFixed(2)}× the image, ${img.blocksSent} of 32 blocks, first-pass repeats ${img.firstPassRepeats}`)
  t.true(img.peakNeighbours <= 2, `peak block sessions ${img.peakNeighbours} ≤ 2`)
  t.true(img.turnedAway >= 1, 'peers beyond the limit were turned away')
  t.is(img.blocksSent, 32, 'every block left the seeder')
  t.is(img.firstPassRepeats, 0, 'no block was sent twice before every block was sent once')
})

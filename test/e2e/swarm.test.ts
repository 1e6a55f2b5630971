/**
 * Real multi-process tests on loopback: a seeder and peers as separate
 * `precache` processes, talking libp2p over TCP.
 */
import test from 'ava'
import { join } from 'node:path'
import { readdir, rm } from 'node:fs/promises'
import { seederSentBytes } from '../../src/demo/cluster.js'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { generateSwarmKey } from '../../src/net/swarm-key.js'
import { writeFile } from 'node:fs/promises'
import { imageStatus, newCluster, waitCached, waitFor } from './helpers.js'

const MiB = 1024 * 1024

test('one seeder and four peers: every copy is byte-identical, origin egress < 1.5× the size; a late fifth peer gets it mostly from peers', async t => {
  const c = await newCluster('four')
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 64 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img-64'), size)
  await c.startSeeder()
  const peers = await Promise.all([1, 2, 3, 4].map(async i => await c.startPeer(i)))
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'img-64') }))
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'img-64')), sha, `${p.child.name} holds the exact bytes`)
  await new Promise(resolve => setTimeout(resolve, 1200))
  const egress = await seederSentBytes(c)
  t.log(`origin egress ${(egress / size).toFixed(3)}× the image`)
  t.true(egress >= size, 'the seeder sent every byte at least once')
  t.true(egress < 1.5 * size, `origin egress ${egress} < 1.5 × ${size}`)

  const late = await c.startPeer(5)
  await waitCached(c, late, 'img-64')
  t.is(await sha256File(join(late.cacheDir, 'img-64')), sha)
  const lateImage = await imageStatus(c, late, 'img-64')
  const fromSeeders = lateImage?.fromSeeders ?? 0
  const fromPeers = lateImage?.fromPeers ?? 0
  t.log(`late peer: ${fromSeeders} bytes from the seeder, ${fromPeers} from peers`)
  t.true(fromPeers > fromSeeders, 'the late peer got most bytes from peers')
})

test('a peer killed mid-transfer resumes from its verified blocks and finishes', async t => {
  const c = await newCluster('resume', { peerArgs: ['--download-rate', '40MiB/s'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 48 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img-r'), size)
  await c.startSeeder()
  const p = await c.startPeer(1)
  // wait until some verified blocks are recorded on disk (the progress record is written every second)
  const partial = await waitFor('some blocks to be recorded', async () => {
    const s = await imageStatus(c, p, 'img-r')
    const recorded = (await readdir(join(p.cacheDir, '.precache')).catch((): string[] => [])).some(f => f.endsWith('.progress'))
    return s != null && s.have >= 8 && s.have < s.blocks && recorded ? s.have : undefined
  })
  p.child.proc.kill('SIGKILL')
  await p.child.exited
  const staged = await readdir(join(p.cacheDir, '.precache'))
  t.true(staged.some(f => f.endsWith('.part')), 'a .part file is left for the resume')
  t.false((await readdir(p.cacheDir)).includes('img-r'), 'nothing half-written in place')
  const again = await c.startPeer(1)
  await waitCached(c, again, 'img-r')
  t.is(await sha256File(join(again.cacheDir, 'img-r')), sha)
  const resumed = (await imageStatus(c, again, 'img-r'))?.resumedBlocks ?? 0
  t.true(resumed > 0, `kept verified blocks (had ${partial} before the kill, ${resumed} after)`)
})

test('a node with the wrong swarm key cannot connect', async t => {
  const c = await newCluster('wrongkey')
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'img-k'), 2 * MiB)
  const wrongKey = join(c.dir, 'wrong.key')
  await writeFile(wrongKey, generateSwarmKey())
  await c.startSeeder()
  const good = await c.startPeer(1)
  const bad = await c.startPeer(2, { swarmKey: wrongKey })
  await waitCached(c, good, 'img-k')
  const unreachable = await waitFor('the wrong-key peer to report it cannot reach the seeder', async () => (await c.peerStatus(bad))?.seeders.find(s => s.peerId === c.seederId)?.unreachable, 30_000)
  t.false((await c.peerStatus(bad))?.seeders[0].connected)
  t.regex(unreachable.text, /swarm key/, 'the wrong-key peer says what to check')
  t.is(await imageStatus(c, bad, 'img-k'), undefined, 'the wrong-key peer never heard of the image')
  t.false((await readdir(bad.cacheDir).catch((): string[] => [])).includes('img-k'))
})

test('the seeder re-lists every interval: a new image is distributed, a removed one is withdrawn from the peers', async t => {
  const c = await newCluster('withdraw', { seederArgs: ['--interval', '1s'], peerArgs: ['--withdraw-grace', '0'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'keep'), 1 * MiB)
  await c.startSeeder()
  const peers = await Promise.all([1, 2].map(async i => await c.startPeer(i)))
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'keep') }))
  const sha = await writeRandomImage(join(c.imagesDir, 'later'), 3 * MiB + 17)
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'later') }))
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'later')), sha)
  await rm(join(c.imagesDir, 'keep'))
  for (const p of peers) {
    await waitFor(`${p.child.name} to remove the withdrawn image`, async () => !(await readdir(p.cacheDir)).includes('keep'), 30_000)
    t.true((await readdir(p.cacheDir)).includes('later'), 'the other image stays')
  }
})

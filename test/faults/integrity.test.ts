/**
 * Fault suite, crashes and damaged bytes (issue 11), with real processes on
 * loopback: kill -9 and restart of the seeder and of a peer, the seeder gone
 * for good, corrupt bytes in a `.part` and in a served copy, and a source file
 * changed under the seeder.
 */
import test from 'ava'
import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes, createHash } from 'node:crypto'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { LONG, MiB, corrupt, killHard, recordedBlocks, seederStatusFile, staged, waitPartial, waitServed } from './helpers.js'
import { publish, record } from './table.js'

test.after.always(() => { publish('2-integrity') })

test('kill -9 of the seeder and of a peer mid-transfer, both restarted: byte-identical end', async t => {
  const c = await newCluster('f-kill', { seederArgs: ['--upload-rate', '4MiB/s'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const sha = await writeRandomImage(join(c.imagesDir, 'img-k'), 16 * MiB)
  const seeder = await c.startSeeder()
  const p1 = await c.startPeer(1)
  const p2 = await c.startPeer(2)
  const before = await waitPartial(c, p1, 'img-k', 3)
  await Promise.all([killHard(seeder), killHard(p1.child)])
  await c.startSeeder()
  const again = await c.startPeer(1)
  await Promise.all([waitCached(c, again, 'img-k', LONG), waitCached(c, p2, 'img-k', LONG)])
  const shas = await Promise.all([again, p2].map(async p => await sha256File(join(p.cacheDir, 'img-k'))))
  t.true(record(t, { scenario: 'kill -9 seeder and peer mid-transfer, restart', expectation: 'both peers finish byte-identical', observed: `killed with ${before}/16 blocks on peer-1; after restart ${shas.filter(s => s === sha).length}/2 copies identical`, pass: shas.every(s => s === sha) }))
})

test('the seeder gone for good mid-transfer: the peers finish from each other', async t => {
  const c = await newCluster('f-gone')
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const sha = await writeRandomImage(join(c.imagesDir, 'img-g'), 12 * MiB)
  const seeder = await c.startSeeder()
  const first = await c.startPeer(1)
  await waitCached(c, first, 'img-g', LONG)
  // two more peers join, learn of peer-1 from the seeder (peer exchange), and the seeder dies
  const late = await Promise.all([2, 3].map(async i => await c.startPeer(i, { args: ['--download-rate', '2MiB/s'] })))
  for (const p of late) {
    await waitFor(`${p.child.name} to be in the swarm`, async () => ((await imageStatus(c, p, 'img-g'))?.neighbours ?? 0) >= 2, LONG)
  }
  const haveAtKill = await Promise.all(late.map(async p => (await imageStatus(c, p, 'img-g'))?.have ?? 0))
  await killHard(seeder)
  await Promise.all(late.map(async p => { await waitCached(c, p, 'img-g', LONG) }))
  const ok = (await Promise.all([first, ...late].map(async p => await sha256File(join(p.cacheDir, 'img-g'))))).filter(s => s === sha).length
  t.true(record(t, { scenario: 'seeder killed for good mid-transfer', expectation: 'peers finish from each other, byte-identical', observed: `late peers held ${haveAtKill.join(' and ')} of 12 blocks at the kill; ${ok}/3 copies identical`, pass: ok === 3 }))
})

test('corrupt bytes in a .part while the peer is down: the block is fetched again, nothing corrupt placed', async t => {
  const c = await newCluster('f-part', { peerArgs: ['--download-rate', '1MiB/s'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const sha = await writeRandomImage(join(c.imagesDir, 'img-p'), 12 * MiB)
  await c.startSeeder()
  const meta = await waitServed(c, 'img-p')
  const p = await c.startPeer(1)
  await waitPartial(c, p, 'img-p', 3)
  const progress = join(p.cacheDir, '.precache', `${meta.manifestId as string}.progress`)
  await waitFor('a progress record', async () => await stat(progress).then(() => true, () => false))
  await killHard(p.child)
  const recorded = await recordedBlocks(progress, 12)
  const victim = recorded[0]
  await corrupt(join(p.cacheDir, '.precache', `${meta.manifestId as string}.part`), victim * MiB + 1000)
  const again = await c.startPeer(1)
  await waitCached(c, again, 'img-p', LONG)
  const got = await sha256File(join(again.cacheDir, 'img-p'))
  t.true(record(t, { scenario: 'corrupt bytes in a .part (peer down)', expectation: 'bad block re-fetched; placed copy identical', observed: `corrupted recorded block ${victim} (of ${recorded.length} recorded); placed copy ${got === sha ? 'identical' : 'DIFFERS'}`, pass: got === sha }))
})

test('corrupt bytes in a served copy: the receiver rejects it and tells the sender, which stops serving it and repairs its copy', async t => {
  const c = await newCluster('f-served')
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const sha = await writeRandomImage(join(c.imagesDir, 'img-s'), 4 * MiB)
  await c.startSeeder()
  const a = await c.startPeer(1)
  await waitCached(c, a, 'img-s', LONG)
  // damage block 2 of A's placed copy in place, while A serves it
  await corrupt(join(a.cacheDir, 'img-s'), 2 * MiB + 4096)
  const b = await c.startPeer(2)
  await waitCached(c, b, 'img-s', LONG)
  const repaired = await waitFor('A to repair its copy', async () => {
    const s = await imageStatus(c, a, 'img-s')
    return s != null && s.repairs >= 1 && s.state === 'placed' ? s : undefined
  }, LONG).catch(() => undefined)
  const shaA = await sha256File(join(a.cacheDir, 'img-s'))
  const shaB = await sha256File(join(b.cacheDir, 'img-s'))
  const aId = (await c.peerStatus(a))?.peerId
  const strikes = (await c.peerStatus(b))?.bans?.find((r: any) => r.peerId === aId)
  t.true(record(t, { scenario: 'corrupt bytes in a served copy (peer running)', expectation: 'receiver identical; sender struck, repairs its copy', observed: `B ${shaB === sha ? 'identical' : 'DIFFERS'}; A struck (${strikes?.strikes ?? 0} strikes, ${strikes?.bans ?? 0} bans); A repairs=${repaired?.repairs ?? 0}, A copy ${shaA === sha ? 'identical' : 'DIFFERS'}`, pass: shaB === sha && shaA === sha && repaired != null && strikes != null }))
})

test('a source changed under the seeder (same size, mtime put back): re-served at once with a new manifest, peers end with the new bytes', async t => {
  // 32 blocks of 256 KiB at 1 MiB/s: the seeder has read at most a few blocks ahead of the peer when the file changes
  const c = await newCluster('f-changed', { seederArgs: ['--block-size', '256KiB'], peerArgs: ['--download-rate', '1MiB/s'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const path = join(c.imagesDir, 'img-c')
  const size = 8 * MiB
  await writeRandomImage(path, size)
  await c.startSeeder()
  const old = await waitServed(c, 'img-c')
  const p = await c.startPeer(1)
  await waitPartial(c, p, 'img-c', 2)
  const { mtime, atime } = await stat(path)
  const fresh = randomBytes(size)
  await writeFile(path, fresh)
  await utimes(path, atime, mtime)
  const changedAt = Date.now()
  // a second peer arriving later reads from the seeder too
  const p2 = await c.startPeer(2)
  const next = await waitFor('a new manifest for img-c', async () => {
    const s = (await c.seederStatus())?.images?.find((i: any) => i.imageId === 'img-c')
    return s != null && s.manifestId !== old.manifestId ? s : undefined
  }, LONG)
  const reservedIn = (Date.now() - changedAt) / 1000
  await Promise.all([waitCached(c, p, 'img-c', LONG), waitCached(c, p2, 'img-c', LONG)])
  const want = createHash('sha256').update(fresh).digest('hex')
  const got = [await sha256File(join(p.cacheDir, 'img-c')), await sha256File(join(p2.cacheDir, 'img-c'))].every(s => s === want) ? want : 'differs'
  const stale = (await staged(p)).filter(f => f.startsWith(old.manifestId))
  t.true(record(t, { scenario: 'source changed under the seeder (mtime restored)', expectation: 're-served with a new manifest at once; peer gets the new bytes; stale .part dropped', observed: `new manifest after ${reservedIn.toFixed(1)} s; both peers' copies ${got === want ? 'are the new content' : 'WRONG'}; stale staged files: ${stale.length}`, pass: got === want && stale.length === 0 && reservedIn < 60 }))
  t.deepEqual(await readdir(c.imagesDir), ['img-c'])
})

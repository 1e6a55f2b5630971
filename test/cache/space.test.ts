/**
 * Issue 10, item 3 (real processes): disk space is reserved up front, an
 * image that does not fit waits instead of looping on ENOSPC, and the quota
 * evicts released images (never pinned ones) to make room.
 */
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeRandomImage } from '../../src/demo/image.js'
import { exists, imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { seederStatus } from './helpers.js'

const MiB = 1024 * 1024

test('two 50 MiB images on a 100 MiB tmpfs: one completes, the other waits (no ENOSPC loop, nothing partial), and completes once the first is removed', async t => {
  const c = await newCluster('tmpfs', { seederArgs: ['--interval', '1s'], peerArgs: ['--withdraw-grace', '0', '--min-free', '1MiB', '--log-format', 'json'] })
  const cache = join(c.dir, 'peer-1', 'cache')
  await mkdir(cache, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=100M', 'tmpfs', cache])
  t.teardown(async () => {
    await c.stop()
    execFileSync('umount', [cache])
    if (process.env.KEEP == null) await rm(c.dir, { recursive: true, force: true })
  })
  await writeRandomImage(join(c.imagesDir, 'a'), 50 * MiB)
  await writeRandomImage(join(c.imagesDir, 'b'), 50 * MiB)
  await c.startSeeder()
  const p = await c.startPeer(1)
  const [first, second] = await waitFor('one image cached and the other waiting', async () => {
    const a = await imageStatus(c, p, 'a')
    const b = await imageStatus(c, p, 'b')
    if (a?.state === 'placed' && b?.state === 'waiting') return ['a', 'b']
    if (b?.state === 'placed' && a?.state === 'waiting') return ['b', 'a']
    return undefined
  })
  t.log(`${first} completed, ${second} waits`)
  // give a looping download time to show itself
  await new Promise(resolve => setTimeout(resolve, 3000))
  const s = await c.peerStatus(p)
  t.deepEqual(s?.cache.waiting, [second])
  t.is((await imageStatus(c, p, second))?.state, 'waiting')
  t.is((await seederStatus(c))?.images.find(i => i.imageId === second)?.sentBytes, 0, 'not one block of the waiting image was sent')
  const staged = await readdir(join(cache, '.precache'))
  t.deepEqual(staged.filter(f => f.endsWith('.part') || f.endsWith('.progress')), [], 'nothing partial in the cache folder')
  const warnings = (await readFile(p.child.logFile, 'utf8')).split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l)).filter(l => l.level === 'warn' || l.level === 'error')
  t.true(warnings.length <= 2, `a handful of warnings, not a loop (${warnings.length})`)
  await rm(join(c.imagesDir, first))
  await waitCached(c, p, second)
  t.false(await exists(join(cache, first)), 'the removed image is gone')
})

test('quota: a new image evicts released images, least recently announced first, never a pinned one', async t => {
  const c = await newCluster('quota', { seederArgs: ['--interval', '1s'], peerArgs: ['--max-bytes', '7MiB', '--min-free', '0', '--pin', 'pinned'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'pinned'), 3 * MiB)
  await writeRandomImage(join(c.imagesDir, 'plain'), 3 * MiB)
  await c.startSeeder()
  const p = await c.startPeer(1)
  for (const id of ['pinned', 'plain']) await waitCached(c, p, id)
  await rm(join(c.imagesDir, 'pinned'))
  await rm(join(c.imagesDir, 'plain'))
  for (const id of ['pinned', 'plain']) await waitFor(`${id} to be released`, async () => (await imageStatus(c, p, id))?.state === 'released')
  await writeRandomImage(join(c.imagesDir, 'new'), 3 * MiB)
  await waitCached(c, p, 'new')
  t.false(await exists(join(p.cacheDir, 'plain')), 'the released, unpinned image was evicted')
  t.true(await exists(join(p.cacheDir, 'pinned')), 'the pinned one stays')
  t.is((await imageStatus(c, p, 'pinned'))?.state, 'released')
  t.true(((await c.peerStatus(p))?.cache.bytes ?? Infinity) <= 7 * MiB, 'the cache is within its quota')
})

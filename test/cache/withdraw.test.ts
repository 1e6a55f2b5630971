/**
 * Issue 10, items 1 and 2 (real processes): a peer deletes a cached image only
 * on the seeder's authority (an explicit withdrawal, or a catalogue marked as
 * the result of a complete, successful listing), and only after the grace.
 */
import test from 'ava'
import { join } from 'node:path'
import { copyFile, rename, rm } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { writeRandomImage } from '../../src/demo/image.js'
import { freePort } from '../../src/demo/processes.js'
import { exists, imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { mark, restartSeeder, sameFile, seederStatus, seederView, waitCatalogue } from './helpers.js'

const MiB = 1024 * 1024
/** longer than the peer's status-file check interval (1 s), so that what it received is in the file */
const STATUS_SETTLE_MS = 2500

test('a seeder restarted five times while peers are up deletes nothing they cached', async t => {
  const c = await newCluster('restart5', { seederArgs: ['--announce-interval', '1s'], peerArgs: ['--withdraw-grace', '0'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const images = ['big', 'small']
  await writeRandomImage(join(c.imagesDir, 'big'), 24 * MiB)
  await writeRandomImage(join(c.imagesDir, 'small'), 2 * MiB)
  await c.startSeeder()
  const peers = await Promise.all([1, 2].map(async i => await c.startPeer(i)))
  for (const p of peers) for (const id of images) await waitCached(c, p, id, 300_000)
  for (const p of peers) for (const id of images) await mark(join(p.cacheDir, id), join(p.dir, 'marks'), id)
  for (let round = 1; round <= 5; round++) {
    const before = await Promise.all(peers.map(async p => (await seederView(c, p))?.catalogues ?? 0))
    // touched images make the restarted seeder re-hash them: its first pass takes a while
    await restartSeeder(c, { touch: images })
    await Promise.all(peers.map(async (p, i) => await waitCatalogue(c, p, before[i])))
    await waitFor('the restarted seeder to serve both images', async () => (await seederStatus(c))?.images.filter(i => i.state === 'announced').length === 2)
    for (const p of peers) {
      for (const id of images) {
        t.true(await sameFile(join(p.cacheDir, id), join(p.dir, 'marks'), id), `round ${round}: ${p.child.name} still holds the very same ${id}`)
      }
    }
  }
  for (const p of peers) for (const id of images) t.is((await imageStatus(c, p, id))?.state, 'placed')
})

test('a seeder started while its lister fails (image service down) deletes nothing', async t => {
  const c = await newCluster('listerdown', { peerArgs: ['--withdraw-grace', '0'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'img'), 4 * MiB)
  await c.startSeeder()
  const p = await c.startPeer(1)
  await waitCached(c, p, 'img')
  await mark(join(p.cacheDir, 'img'), join(p.dir, 'marks'), 'img')
  // the same seeder (identity, state), now listing from a Glance that is not running
  const dead = await freePort()
  let before = 0
  await restartSeeder(c, {
    args: ['--lister', 'glance', '--glance-endpoint', `http://127.0.0.1:${dead}`, '--os-auth-type', 'noauth', '--os-project-id', 'p1', '--announce-interval', '1s'],
    onStopped: async () => {
      // counted only once the old seeder is gone: its last periodic (complete) catalogue may still be on its way
      // into the peer's status file, which is rewritten at most once a second
      await delay(STATUS_SETTLE_MS)
      before = (await seederView(c, p))?.catalogues ?? 0
    }
  })
  const view = await waitCatalogue(c, p, before)
  t.false(view.complete, 'the catalogue of a seeder whose listing failed is not complete')
  // a few more periodic catalogues
  await waitCatalogue(c, p, view.catalogues + 2)
  t.true(await sameFile(join(p.cacheDir, 'img'), join(p.dir, 'marks'), 'img'), 'the cached image is untouched')
  t.is((await imageStatus(c, p, 'img'))?.state, 'placed')
})

test('withdrawal: with the default grace an untagged image is released, not deleted; re-listed it is kept; with grace 0 it is deleted', async t => {
  const c = await newCluster('grace', { seederArgs: ['--interval', '1s'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'img'), 3 * MiB)
  await writeRandomImage(join(c.imagesDir, 'other'), 1 * MiB)
  await c.startSeeder()
  const slow = await c.startPeer(1)
  const quick = await c.startPeer(2, { args: ['--withdraw-grace', '0'] })
  for (const p of [slow, quick]) await waitCached(c, p, 'img')
  await mark(join(slow.cacheDir, 'img'), join(slow.dir, 'marks'), 'img')
  await rm(join(c.imagesDir, 'img'))
  await waitFor('the image to be deleted on the grace-0 peer', async () => !await exists(join(quick.cacheDir, 'img')), 60_000)
  const released = await waitFor('the image to be released on the default-grace peer', async () => {
    const s = await imageStatus(c, slow, 'img')
    return s?.state === 'released' ? s : undefined
  })
  const deleteAt = released.deleteAt ?? 0
  t.true(deleteAt - Date.now() > 59 * 60_000, `deletion is scheduled an hour out (at ${new Date(deleteAt).toISOString()})`)
  t.true(await sameFile(join(slow.cacheDir, 'img'), join(slow.dir, 'marks'), 'img'), 'the released image is still in place')
  t.true(await exists(join(quick.cacheDir, 'other')), 'other images stay')
  // the image comes back (the same bytes): the released copy is simply kept
  await copyFile(join(slow.cacheDir, 'img'), join(c.dir, 'img.copy'))
  await rename(join(c.dir, 'img.copy'), join(c.imagesDir, 'img'))
  await waitFor('the re-listed image to be cached again', async () => (await imageStatus(c, slow, 'img'))?.state === 'placed', 60_000)
  t.true(await sameFile(join(slow.cacheDir, 'img'), join(slow.dir, 'marks'), 'img'), 'kept, not downloaded again')
})

/**
 * The bulk data channel between real processes: block payloads cross it with
 * either data_encryption setting and every copy is byte-identical; a bulk
 * port that cannot be reached falls back to the libp2p stream; two nodes with
 * different settings refuse each other with the one error naming the option.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { imageStatus, newCluster, waitCached, waitFor } from './helpers.js'

const MiB = 1024 * 1024

for (const encryption of ['tls', 'none']) {
  test(`data_encryption = ${encryption}: two peers get byte-identical copies, block data over the bulk channel`, async t => {
    const args = ['--data-encryption', encryption]
    const c = await newCluster(`bulk-${encryption}`, { seederArgs: args, peerArgs: args })
    t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
    const size = 24 * MiB + 12345
    const sha = await writeRandomImage(join(c.imagesDir, 'img'), size)
    await c.startSeeder()
    const peers = await Promise.all([1, 2].map(async i => await c.startPeer(i)))
    await Promise.all(peers.map(async p => { await waitCached(c, p, 'img') }))
    for (const p of peers) {
      t.is(await sha256File(join(p.cacheDir, 'img')), sha, `${p.child.name} holds the exact bytes`)
      const s = await c.peerStatus(p)
      t.is(s?.data.encryption as string | undefined, encryption)
      t.deepEqual(s?.data.mismatched, [])
      const img = await imageStatus(c, p, 'img')
      t.log(`${p.child.name}: ${img?.receivedBulkBytes ?? 0} of ${img?.receivedBytes ?? 0} bytes over the bulk channel`)
      // the first requests of each session go over libp2p while its bulk channel connects
      t.true((img?.receivedBulkBytes ?? 0) > 0, 'block data crossed the bulk channel')
    }
  })
}

test('a bulk port that cannot be reached: block data falls back to the libp2p stream, and the copy is exact', async t => {
  // the seeder's bulk listener binds 127.0.0.2 while peers reach its libp2p port at 127.0.0.1
  const c = await newCluster('bulk-fallback', { seederArgs: ['--data-host', '127.0.0.2'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 8 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img'), size)
  await c.startSeeder()
  const p = await c.startPeer(1)
  await waitCached(c, p, 'img')
  t.is(await sha256File(join(p.cacheDir, 'img')), sha)
  const s = await c.peerStatus(p)
  t.deepEqual(s?.data.fallbacks, [c.seederId], 'the fallback is recorded for the seeder')
  t.is((await imageStatus(c, p, 'img'))?.receivedBulkBytes, 0)
})

test('different data_encryption on seeder and peer: both report the mismatch, no block data moves', async t => {
  const c = await newCluster('bulk-mismatch', { seederArgs: ['--data-encryption', 'tls'], peerArgs: ['--data-encryption', 'none'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'img'), 4 * MiB)
  await c.startSeeder()
  const p = await c.startPeer(1)
  await waitFor('the peer to report the mismatch', async () => (await c.peerStatus(p))?.data.mismatched.includes(c.seederId) === true)
  const peerId = (await c.peerStatus(p))?.peerId ?? ''
  await waitFor('the seeder to report the mismatch', async () => (await c.seederStatus())?.data.mismatched.includes(peerId) === true)
  const img = await imageStatus(c, p, 'img')
  t.not(img?.state, 'placed')
  t.is(img?.have ?? 0, 0)
})

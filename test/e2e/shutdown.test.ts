/**
 * SIGTERM ends a node that has moved blocks (its hashing threads started)
 * on its own, with exit code 0: a service manager's stop must not have to
 * fall back to SIGKILL.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { writeRandomImage } from '../../src/demo/image.js'
import { newCluster, waitCached } from './helpers.js'

test('after a download, SIGTERM stops the seeder and the peer by themselves, with exit code 0', async t => {
  // a rate-limited seeder: most blocks cross the bulk channel once it is up
  const c = await newCluster('shutdown', { seederArgs: ['--block-size', '256KiB', '--upload-rate', '32mbit'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'img-8'), 8 * 1024 * 1024)
  const seeder = await c.startSeeder()
  const peer = await c.startPeer(1)
  await waitCached(c, peer, 'img-8', 120_000)
  const st = await c.peerStatus(peer)
  t.true((st?.images.find(i => i.imageId === 'img-8')?.receivedBulkBytes ?? 0) > 0, 'blocks crossed the bulk channel (hashed on worker threads)')
  for (const child of [seeder, peer.child]) {
    child.proc.kill('SIGTERM')
    // generous: a loaded CI machine; a clean stop takes ~1–2 s
    const code = await Promise.race([child.exited, new Promise(resolve => setTimeout(() => { resolve('still running') }, 30_000))])
    t.is(code, 0, `${child.name} exited by itself after SIGTERM`)
  }
})

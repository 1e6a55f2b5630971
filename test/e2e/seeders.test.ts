/**
 * Two seeders serving the same image (same content → same manifest id) with
 * real processes: peers given both use both; killing one mid-transfer leaves
 * the other to finish, and together they send the image about once.
 */
import test from 'ava'
import { join } from 'node:path'
import { mkdir, rm } from 'node:fs/promises'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { freePort, startCli, stopAll } from '../../src/demo/processes.js'
import { writeIdentity } from '../../src/net/identity.js'
import { readSeederStatus } from '../../src/roles/status.js'
import { imageStatus, newCluster, waitCached, waitFor } from './helpers.js'

const MiB = 1024 * 1024

test('two seeders: peers fetch from both; one killed mid-transfer, every peer still finishes and the image leaves the seeders about once', async t => {
  const common = ['--block-size', '256KiB', '--upload-rate', '24mbit']
  const c = await newCluster('seeders', { seederArgs: common })
  const dirB = join(c.dir, 'seeder-b')
  await mkdir(dirB, { recursive: true })
  const idB = await writeIdentity(join(dirB, 'id'))
  const portB = await freePort()
  const addrB = `/ip4/127.0.0.1/tcp/${portB}/p2p/${idB}`
  const seederB = startCli('seeder-b', [
    'seeder', '--images', c.imagesDir, '--listen', `/ip4/127.0.0.1/tcp/${portB}`, '--swarm-key', c.swarmKey,
    '--identity', join(dirB, 'id'), '--state-dir', join(dirB, 'state'), '--status-file', join(dirB, 'status.json'), ...common
  ], join(dirB, 'log.txt'))
  t.teardown(async () => { await stopAll([seederB]); await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 24 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img-24'), size)
  const seederA = await c.startSeeder()
  const peers = await Promise.all([1, 2, 3].map(async i => await c.startPeer(i, { args: ['--seeder', addrB] })))
  const seederStatus = async (file: string): Promise<any> => (await readSeederStatus(file))?.images?.find(i => i.imageId === 'img-24')
  const fileA = join(c.dir, 'seeder', 'status.json')
  const fileB = join(dirB, 'status.json')

  // both seeders are sending; then kill A while the peers are still far from done
  await waitFor('both seeders to send blocks, a quarter of the image in all', async () => {
    const [a, b] = [(await seederStatus(fileA))?.sentBytes ?? 0, (await seederStatus(fileB))?.sentBytes ?? 0]
    return a > 0 && b > 0 && a + b >= size / 4
  }, 120_000)
  const before = await Promise.all(peers.map(async p => (await imageStatus(c, p, 'img-24'))?.have ?? 0))
  seederA.proc.kill('SIGKILL')
  await seederA.exited
  const sentA = (await seederStatus(fileA))?.sentBytes ?? 0
  t.log(`killed seeder A after it sent ${(sentA / MiB).toFixed(1)} MiB; peers held ${before.join(', ')} of 96 blocks`)

  await Promise.all(peers.map(async p => { await waitCached(c, p, 'img-24', 240_000) }))
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'img-24')), sha, `${p.child.name} holds the exact bytes`)
  await new Promise(resolve => setTimeout(resolve, 1500))
  const b = await seederStatus(fileB)
  t.log(`seeder B sent ${(b.sentBytes / MiB).toFixed(1)} MiB; together ${((sentA + b.sentBytes) / size).toFixed(2)}× the image`)
  t.true(sentA > 0 && b.sentBytes > 0, 'both seeders sent blocks')
  t.true(before.some(h => h < 96), 'seeder A died before the peers were done')
  t.true(sentA + b.sentBytes < 1.5 * size, `the seeders together sent ${sentA + b.sentBytes} bytes, < 1.5 × ${size}`)
})

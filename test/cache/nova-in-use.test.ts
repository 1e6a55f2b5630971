/**
 * Issue 10, item 2 (real processes, real qemu-img): a withdrawal never
 * deletes a Nova base file that an instance disk's backing chain uses.
 */
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeRandomImage } from '../../src/demo/image.js'
import { novaBaseName } from '../../src/cache/nova.js'
import { exists, imageStatus, newCluster, waitFor } from '../e2e/helpers.js'

const MiB = 1024 * 1024

test('untagged with --withdraw-grace 0: an unused base file is deleted, one backing an instance disk is kept with a log line naming the instance folder', async t => {
  const c = await newCluster('nova-inuse', { seederArgs: ['--interval', '1s'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const instances = join(c.dir, 'instances')
  await mkdir(instances, { recursive: true })
  await writeRandomImage(join(c.imagesDir, 'used'), 2 * MiB)
  await writeRandomImage(join(c.imagesDir, 'unused'), 2 * MiB)
  await c.startSeeder()
  const p = await c.startPeer(1, { args: ['--cache-driver', 'nova', '--instances-path', instances, '--withdraw-grace', '0', '--log-format', 'json'] })
  const base = (id: string): string => join(instances, '_base', novaBaseName(id))
  for (const id of ['used', 'unused']) {
    await waitFor(`the peer to place ${id}`, async () => (await imageStatus(c, p, id))?.state === 'placed' && await exists(base(id)))
  }
  // an instance booted from "used": a qcow2 overlay backed by its base file, as Nova's libvirt driver makes it
  const folder = join(instances, randomUUID())
  await mkdir(folder)
  const disk = join(folder, 'disk')
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base('used'), disk])
  await rm(join(c.imagesDir, 'used'))
  await rm(join(c.imagesDir, 'unused'))
  await waitFor('both images to leave the peer\'s status', async () => {
    const s = await c.peerStatus(p)
    return s != null && !s.images.some(i => i.imageId === 'used' || i.imageId === 'unused')
  }, 60_000)
  t.false(await exists(base('unused')), 'the unused base file is deleted')
  t.true(await exists(base('used')), 'the base file an instance uses is kept')
  const chain = JSON.parse(execFileSync('qemu-img', ['info', '--backing-chain', '--output=json', disk]).toString())
  t.is(chain.length, 2, 'the instance disk still opens with its whole backing chain')
  const lines = (await readFile(p.child.logFile, 'utf8')).split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l))
  t.true(lines.some(l => l.image === 'used' && Array.isArray(l.instances) && l.instances.includes(folder)), 'a log entry names the instance folder')
})

import test from 'ava'
import { createHash } from 'node:crypto'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createCluster } from '../../src/demo/cluster.js'
import type { Cluster } from '../../src/demo/cluster.js'
import { novaBaseName } from '../../src/cache/nova.js'
import { cleanupTemps, startGlance, tempDir } from './services.js'
import type { Service } from './services.js'
import { bytes, createImage, deleteTag } from './glance-client.js'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
let glance: Service
let cluster: Cluster | undefined

test.after.always(async () => {
  await cluster?.stop()
  await glance?.stop()
  await cleanupTemps()
})

async function waitFor (what: string, check: () => Promise<boolean>, logs: () => Promise<string>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  throw new Error(`timed out waiting for ${what}\n${await logs()}`)
}

test('e2e: a tagged Glance image lands byte-identical in _base/ of three peers and is withdrawn when untagged', async t => {
  glance = await startGlance()
  const url = glance.vars.GLANCE_URL
  const content = bytes(3 * 1024 * 1024 + 333, 42)
  const image = await createImage(url, 'pa', { name: 'cirros-ish', tags: ['precache'] }, content)
  const untagged = await createImage(url, 'pa', { name: 'not-me' }, bytes(4096, 43))

  const dir = await tempDir('pc-os-e2e-')
  cluster = await createCluster({
    dir,
    seederArgs: ['--lister', 'glance', '--fetcher', 'glance', '--glance-endpoint', url, '--os-project-id', 'pa',
      '--glance-tag', 'precache', '--staging-dir', join(dir, 'staging'), '--interval', '2s', '--announce-interval', '2s']
  })
  const c = cluster
  await c.startSeeder()
  const instances = [0, 1, 2].map(i => join(dir, `nova-${i}`))
  for (const [i, p] of instances.entries()) {
    await mkdir(p, { recursive: true })
    await c.startPeer(i, { args: ['--cache-driver', 'nova', '--instances-path', p, '--withdraw-grace', '0'] })
  }
  const logs = async (): Promise<string> => {
    const parts = [await readFile(join(dir, 'seeder', 'log.txt'), 'utf8').catch(() => '')]
    for (const p of c.peers) parts.push(await readFile(p.child.logFile, 'utf8').catch(() => ''))
    return parts.map(s => s.split('\n').slice(-15).join('\n')).join('\n---\n')
  }
  const base = (i: number, id: string): string => join(instances[i], '_base', novaBaseName(id))
  const exists = async (p: string): Promise<boolean> => await stat(p).then(() => true, () => false)

  for (let i = 0; i < 3; i++) {
    await waitFor(`peer ${i} to place the image`, async () => await exists(base(i, image.id)), logs)
  }
  for (let i = 0; i < 3; i++) {
    t.is(sha256(await readFile(base(i, image.id))), sha256(content), `peer ${i} holds the exact bytes`)
    t.false(await exists(base(i, untagged.id)), `peer ${i} did not get the untagged image`)
  }

  await deleteTag(url, 'pa', image.id, 'precache')
  for (let i = 0; i < 3; i++) {
    await waitFor(`peer ${i} to remove the withdrawn image`, async () => !await exists(base(i, image.id)), logs)
  }
  t.pass()
})

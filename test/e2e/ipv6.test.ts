/** IPv6 works end to end: a seeder and a peer on ::1, the image byte-identical */
import test from 'ava'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startCli, stopAll } from '../../src/demo/processes.js'
import type { Child } from '../../src/demo/processes.js'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { generateSwarmKey } from '../../src/net/swarm-key.js'
import { writeIdentity } from '../../src/net/identity.js'
import { exists, waitFor } from './helpers.js'

const hasV6Loopback = Object.values(networkInterfaces()).flat().some(a => a?.address === '::1')

;(hasV6Loopback ? test : test.skip)('a seeder and a peer over IPv6 (::1)', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-ipv6-'))
  const children: Child[] = []
  t.teardown(async () => { await stopAll(children); await rm(dir, { recursive: true, force: true }) })
  const key = join(dir, 'swarm.key')
  await writeFile(key, generateSwarmKey(), { mode: 0o600 })
  await mkdir(join(dir, 'images'))
  const sha = await writeRandomImage(join(dir, 'images', 'v6.raw'), 3 * 1024 * 1024 + 17)
  const id = await writeIdentity(join(dir, 'seeder.id'))
  const port = await freePort()
  children.push(startCli('seeder', ['seeder', '--images', join(dir, 'images'), '--swarm-key', key, '--identity', join(dir, 'seeder.id'),
    '--listen', `/ip6/::1/tcp/${port}`, '--state-dir', join(dir, 'seeder')], join(dir, 'seeder.log')))
  const peer = startCli('peer', ['peer', '--seeder', `/ip6/::1/tcp/${port}/p2p/${id}`, '--swarm-key', key, '--listen', '/ip6/::1/tcp/0',
    '--cache-dir', join(dir, 'cache'), '--state-dir', join(dir, 'peer')], join(dir, 'peer.log'))
  children.push(peer)
  await waitFor('the peer to cache the image over IPv6', async () => {
    if (peer.proc.exitCode != null) throw new Error(`the peer exited (log ${peer.logFile})`)
    return await exists(join(dir, 'cache', 'v6.raw'))
  })
  t.is(await sha256File(join(dir, 'cache', 'v6.raw')), sha)
})

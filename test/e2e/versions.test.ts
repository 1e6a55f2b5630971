/**
 * Identity and version mistakes are visible on both sides, with real processes:
 * `--version` names release and wire protocol; nodes with different wire
 * protocols each log one mismatch line naming both versions and which side to
 * upgrade; a seeder logs peers whose handshakes it refused (a peer that expects
 * another seeder identity), with their address, and that peer says what to fix.
 */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_ENTRY, NODE_FLAGS, freePort, startCli, stopAll } from '../../src/demo/processes.js'
import type { Child } from '../../src/demo/processes.js'
import { generateSwarmKey } from '../../src/net/swarm-key.js'
import { writeIdentity } from '../../src/net/identity.js'
import { RELEASE } from '../../src/roles/version.js'
import { WIRE_VERSION } from '../../src/swarm/wire.js'
import { waitFor } from './helpers.js'

async function jsonLines (file: string): Promise<any[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l))
}

test('--version prints the release and the wire-protocol version', t => {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, CLI_ENTRY, '--version'], { encoding: 'utf8' })
  t.is(r.status, 0)
  t.is(r.stdout.trim(), `precache ${RELEASE} (wire protocol ${WIRE_VERSION})`)
  t.regex(RELEASE, /^\d+\.\d+\.\d+/)
})

test('a wire-protocol mismatch is logged on both sides; refused handshakes are logged by the seeder with the address', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-versions-'))
  const children: Child[] = []
  t.teardown(async () => { await stopAll(children); await rm(dir, { recursive: true, force: true }) })
  const key = join(dir, 'swarm.key')
  await writeFile(key, generateSwarmKey(), { mode: 0o600 })
  await mkdir(join(dir, 'images'))
  const seederId = await writeIdentity(join(dir, 'seeder.id'))
  const otherId = await writeIdentity(join(dir, 'other.id'))
  const port = await freePort()
  const common = ['--swarm-key', key, '--log-format', 'json']
  const seederLog = join(dir, 'seeder.log')
  children.push(startCli('seeder', ['seeder', ...common, '--images', join(dir, 'images'), '--identity', join(dir, 'seeder.id'),
    '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--state-dir', join(dir, 'seeder')], seederLog))
  const peer = (name: string, id: string, env?: Record<string, string>): string => {
    const log = join(dir, `${name}.log`)
    children.push(startCli(name, ['peer', ...common, '--seeder', `/ip4/127.0.0.1/tcp/${port}/p2p/${id}`, '--listen', '/ip4/127.0.0.1/tcp/0',
      '--cache-dir', join(dir, name, 'cache'), '--state-dir', join(dir, name, 'state')], log, undefined, env))
    return log
  }
  const oldLog = peer('old', seederId, { PRECACHE_TEST_ADVERTISE_WIRE_VERSION: String(WIRE_VERSION - 1) })
  const lostLog = peer('lost', otherId)

  const mismatch = (lines: any[]): any[] => lines.filter(l => l.event === 'wire-version-mismatch')
  const seen = await waitFor('both sides to log the mismatch and the seeder the refused peer', async () => {
    const s = await jsonLines(seederLog)
    const o = await jsonLines(oldLog)
    const l = await jsonLines(lostLog)
    const refused = s.filter(x => x.event === 'handshake-refused')
    const unreachable = l.filter(x => x.event === 'seeder-unreachable')
    return mismatch(s).length > 0 && mismatch(o).length > 0 && refused.length > 0 && unreachable.length > 0 && { s, o, refused, unreachable }
  }, 90_000)

  const [onSeeder] = mismatch(seen.s)
  for (const l of [onSeeder, mismatch(seen.o)[0], seen.refused[0], seen.unreachable[0]]) t.log(`${String(l.level)} ${String(l.msg)}`)
  t.is(onSeeder.level, 'warn')
  t.is(onSeeder.localWire, WIRE_VERSION)
  t.is(onSeeder.remoteWire, WIRE_VERSION - 1)
  t.is(onSeeder.upgrade, 'remote', 'the seeder says to upgrade the older peer')
  const [onOld] = mismatch(seen.o)
  t.is(onOld.level, 'warn')
  t.is(onOld.localWire, WIRE_VERSION - 1)
  t.is(onOld.remoteWire, WIRE_VERSION)
  t.is(onOld.upgrade, 'local', 'the older peer says to upgrade itself')
  t.is(onOld.peer, seederId)

  t.is(seen.refused[0].level, 'warn')
  t.regex(seen.refused[0].remote, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+/, 'the refused peer\'s address')
  t.is(seen.unreachable[0].level, 'warn')
  t.is(seen.unreachable[0].reason, 'identity', 'the lost peer learns the seeder has another identity')

  // one line per remote per window, not one per connection attempt
  await new Promise(resolve => setTimeout(resolve, 5000))
  const s = await jsonLines(seederLog)
  t.is(s.filter(x => x.event === 'handshake-refused').length, 1, 'rate-limited')
  t.is(mismatch(s).length, 1)
})

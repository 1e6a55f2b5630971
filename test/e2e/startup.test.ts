/**
 * Fatal start-up problems with real `precache` processes: each gives one line
 * on stderr and exit code 2 (and the process exits instead of running on);
 * a second process on one state folder is refused; SIGHUP does not stop a
 * node; a node keeps its identity across restarts.
 */
import test from 'ava'
import { spawn } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_ENTRY, NODE_FLAGS, startCli, stopAll } from '../../src/demo/processes.js'
import { generateSwarmKey } from '../../src/net/swarm-key.js'
import { precache, waitFor } from './helpers.js'
import type { Run } from './helpers.js'


async function setup (): Promise<{ dir: string, key: string, images: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-startup-'))
  await chmod(dir, 0o755)
  const key = join(dir, 'swarm.key')
  await writeFile(key, generateSwarmKey(), { mode: 0o600 })
  const images = join(dir, 'images')
  await mkdir(images)
  return { dir, key, images }
}

function assertFatal (t: any, r: Run, message: RegExp, what: string): void {
  t.is(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`)
  const lines = r.stderr.trim().split('\n').filter(l => l.startsWith('precache:'))
  t.is(lines.length, 1, `${what}: one error line`)
  t.regex(lines[0] ?? '', message, what)
  t.notRegex(r.stderr, /\n\s+at /, `${what}: no stack trace`)
}

async function listenOn (): Promise<{ server: Server, port: number }> {
  const server = createServer()
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  return { server, port: (server.address() as any).port }
}

test('fatal start-up problems: one line, exit code 2', async t => {
  const { dir, key, images } = await setup()
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const base = ['--swarm-key', key, '--listen', '/ip4/127.0.0.1/tcp/0']

  // a state folder this user cannot write (run as nobody when root; root writes anywhere)
  const ro = join(dir, 'ro')
  await mkdir(ro, { mode: 0o555 })
  await chmod(ro, 0o555)
  if (process.getuid?.() === 0) await chmod(key, 0o644) // nobody must read the key to get as far as the state folder
  await mkdir(join(dir, 'c'), { mode: 0o777 })
  await chmod(join(dir, 'c'), 0o777)
  assertFatal(t, await precache(['peer', ...base, '--seeder', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWCawqrpVzHMsSJSQW7LSAgBumjBoZL1kDNwiKh1rts2F7', '--cache-dir', join(dir, 'c'), '--state-dir', ro], true),
    /state folder .*ro is not writable by user .*: make it writable/, 'state folder not writable')
  assertFatal(t, await precache(['seeder', '--images', images, ...base, '--state-dir', join(ro, 'sub')], true),
    /cannot create state folder .*sub as user .*EACCES/, 'state folder cannot be made')
  await chmod(key, 0o600)

  // a port in use
  const { server, port } = await listenOn()
  t.teardown(() => { server.close() })
  assertFatal(t, await precache(['seeder', '--images', images, '--swarm-key', key, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--state-dir', join(dir, 's1')]),
    new RegExp(`port ${port} is already in use`), 'port in use')

  // unreadable swarm key and identity
  assertFatal(t, await precache(['seeder', '--images', images, ...base, '--swarm-key', join(dir, 'none.key'), '--state-dir', join(dir, 's2')]),
    /cannot read swarm key .*none\.key: ENOENT; every node of a cloud needs the same swarm key: copy the cloud's key/, 'missing swarm key')
  const badId = join(dir, 'bad.id')
  await writeFile(badId, 'not a key\n', { mode: 0o600 })
  assertFatal(t, await precache(['seeder', '--images', images, ...base, '--identity', badId, '--state-dir', join(dir, 's3')]),
    /bad\.id is not a precache identity file/, 'garbage identity')
  assertFatal(t, await precache(['seeder', '--images', images, ...base, '--identity', join(dir, 'none.id'), '--state-dir', join(dir, 's3')]),
    /cannot read identity .*none\.id: ENOENT/, 'missing identity')
  assertFatal(t, await precache(['seeder', '--images', images, ...base, '--state-dir', join(dir, 's3'), '--log-format', 'jsonx']),
    /--log-format: "jsonx" is not one of text, json/, 'invalid enum value')

  // the README's Nova snippet, with its inline comments, pointing at an instances_path that does not exist
  const conf = join(dir, 'nova.conf')
  const instances = join(dir, 'nova', 'instances')
  await writeFile(conf, `[peer]\ncache_driver = nova\n\n[cache]\ninstances_path = ${instances}   # Nova's [DEFAULT] instances_path\nforce_raw_images = true    # as Nova\n`)
  assertFatal(t, await precache(['peer', '--config', conf, ...base, '--seeder', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWCawqrpVzHMsSJSQW7LSAgBumjBoZL1kDNwiKh1rts2F7', '--state-dir', join(dir, 's4')]),
    new RegExp(`instances_path ${instances} does not exist: set \\[cache\\] instances_path`), 'instances_path missing')
  await t.throwsAsync(stat(join(dir, 'nova')), undefined, 'nothing created in its place')
})

test('a second process on the same state folder is refused; a stale lock is taken over; SIGHUP does not stop a node; the identity persists', async t => {
  const { dir, key, images } = await setup()
  const state = join(dir, 'state')
  const status = join(dir, 'status.json')
  const args = ['seeder', '--images', images, '--swarm-key', key, '--listen', '/ip4/127.0.0.1/tcp/0', '--state-dir', state, '--status-file', status, '--log-format', 'json']
  const first = startCli('first', args, join(dir, 'first.log'))
  t.teardown(async () => { await stopAll([first]); await rm(dir, { recursive: true, force: true }) })
  const peerId = (await waitFor('the first seeder to write its status', async () => await readFile(status, 'utf8').then(s => JSON.parse(s), () => undefined))).peerId as string

  assertFatal(t, await precache([...args.slice(0, -4)]), new RegExp(`state folder ${state} is in use by precache seeder \\(pid ${first.proc.pid ?? 0}`), 'second process')
  t.is(first.proc.exitCode, null, 'the first process still runs')

  // SIGHUP: logged and ignored
  first.proc.kill('SIGHUP')
  await waitFor('the SIGHUP to be logged', async () => (await readFile(join(dir, 'first.log'), 'utf8')).includes('SIGHUP'))
  const before = (await stat(status)).mtimeMs
  await waitFor('a status snapshot after SIGHUP', async () => (await stat(status)).mtimeMs > before)
  t.is(first.proc.exitCode, null, 'SIGHUP did not stop the node')

  // identity: made at first start, mode 0600
  t.is((await stat(join(state, 'identity'))).mode & 0o777, 0o600)

  // killed: its lock is stale; a new process takes it over and keeps the peer id
  first.proc.kill('SIGKILL')
  await first.exited
  await rm(status, { force: true })
  const second = startCli('second', args, join(dir, 'second.log'))
  t.teardown(async () => { await stopAll([second]) })
  const again = await waitFor('the second seeder to write its status', async () => {
    if (second.proc.exitCode != null) throw new Error(await readFile(join(dir, 'second.log'), 'utf8'))
    return await readFile(status, 'utf8').then(s => JSON.parse(s), () => undefined)
  })
  t.is(again.peerId, peerId, 'same identity after a restart')
  const listening = (await readFile(join(dir, 'second.log'), 'utf8')).split('\n').filter(l => l !== '').map(l => JSON.parse(l)).find(l => l.peerId != null && l.host != null)
  t.is(listening?.peerId, peerId, 'the start line names the peer id and host')
  await stopAll([second], 60_000) // a generous grace: a loaded machine may take seconds to stop cleanly
  t.is(second.proc.exitCode, 0)
  await t.throwsAsync(stat(join(state, 'precache.lock')), undefined, 'lock released at exit')
})

/**
 * The packaged single executable (`npm run package`): built once per test run
 * from the compiled tree and the pinned Node 24, then run as the seeder and two
 * peers with no Node on the PATH.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createCluster } from '../../src/demo/cluster.js'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { waitCached } from '../e2e/helpers.js'

const run = promisify(execFile)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
/** what a host without Node has on its PATH */
const NO_NODE_ENV = { PATH: '/nonexistent', HOME: tmpdir() }

let dir: string
let exe: string

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pc-sea-'))
  exe = join(dir, 'precache')
  await run(process.execPath, [join(root, 'scripts', 'package', 'build.mjs')],
    { cwd: root, env: { ...process.env, PRECACHE_PACKAGE_OUT: exe }, timeout: 240_000 })
})
test.after.always(async () => { await rm(dir, { recursive: true, force: true }) })

test('the executable runs without Node: --version, keygen, list, and help for every role', async t => {
  const version = await run(exe, ['--version'], { env: NO_NODE_ENV })
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
  t.regex(version.stdout.trim(), new RegExp(`^precache ${pkg.version.replaceAll('.', '\\.')} `))
  const keys = join(dir, 'keys')
  await mkdir(keys)
  const id = await run(exe, ['keygen', '--swarm-key', join(keys, 'swarm.key'), '--identity', join(keys, 'node.id')], { env: NO_NODE_ENV })
  t.regex(id.stdout.trim(), /^12D3Koo[1-9A-HJ-NP-Za-km-z]+$/, 'prints the peer id')
  const images = join(dir, 'list-images')
  await mkdir(images)
  await writeRandomImage(join(images, 'one.img'), 4096)
  const list = await run(exe, ['list', '--images', images, '--json'], { env: NO_NODE_ENV })
  t.deepEqual(JSON.parse(list.stdout).map((i: any) => i.size), [4096])
  for (const role of ['seeder', 'peer', 'list', 'keygen']) {
    const help = await run(exe, [role, '--help'], { env: NO_NODE_ENV })
    t.regex(help.stdout, new RegExp(`^Usage: precache ${role}`), `${role} --help`)
  }
  const bad = await run(exe, ['peer', '--swarm-key', join(dir, 'missing.key')], { env: NO_NODE_ENV }).catch(err => err)
  t.not(bad.code, 0, 'bad input fails')
  t.notRegex(bad.stderr, /\n\s+at /, 'with a message, not a stack trace')
})

test('a seeder and two peers, all the packaged executable: both peers cache the exact bytes', async t => {
  const c = await createCluster({ dir: join(dir, 'cluster'), executable: exe })
  t.teardown(async () => { await c.stop() })
  const sha = await writeRandomImage(join(c.imagesDir, 'img-sea'), 6 * 1024 * 1024)
  await c.startSeeder()
  const peers = [await c.startPeer(1), await c.startPeer(2)]
  for (const p of peers) await waitCached(c, p, 'img-sea')
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'img-sea')), sha, `${p.child.name} holds the exact bytes`)
})

test('systemd accepts the units with the executable in place', async t => {
  const units = join(dir, 'units')
  await mkdir(units)
  for (const role of ['seeder', 'peer']) {
    const text = await readFile(join(root, 'deploy', 'systemd', `precache-${role}.service`), 'utf8')
    await writeFile(join(units, `precache-${role}.service`), text.replaceAll('/usr/local/bin/precache', exe))
  }
  const r = await run('systemd-analyze', ['verify', join(units, 'precache-seeder.service'), join(units, 'precache-peer.service')]).catch(err => err)
  t.is(r.code ?? 0, 0, r.stderr)
  // (systemd also reports on the host's own units; only ours are judged here)
  t.deepEqual(r.stderr.split('\n').filter((l: string) => l.includes('precache')), [], 'no warnings about our units')
})

import test from 'ava'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/log.js'
import '../../src/backends.js'
import { cacheDrivers } from '../../src/cache/driver.js'
import type { CacheDriver } from '../../src/cache/driver.js'
import { novaBaseName } from '../../src/cache/nova.js'
import type { ImageMeta } from '../../src/image/meta.js'
import { bytes } from './glance-client.js'
import { cleanupTemps, tempDir } from './services.js'

const log = createLogger('test')
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

test.before(() => {
  try {
    execFileSync('qemu-img', ['--version'])
  } catch {
    throw new Error('qemu-img is missing: run scripts/openstack/install.sh')
  }
})

async function driver (flags: Record<string, string> = {}): Promise<{ d: CacheDriver, base: string, work: string }> {
  const instances = await tempDir('pc-nova-')
  const work = await tempDir('pc-novawork-')
  const c = loadConfig({ command: 'peer', flags: { 'cache-driver': 'nova', 'instances-path': instances, ...flags } })
  const d = cacheDrivers.get('nova')({ config: c, log })
  await d.validate?.()
  return { d, base: join(instances, '_base'), work }
}

function meta (imageId: string, file: Uint8Array, diskFormat?: string): ImageMeta {
  return { imageId, manifestId: 'x', size: file.length, blockSize: 1 << 20, sha256: sha256(file), seeders: [], diskFormat }
}

/** a staged "verified" file in the driver's staging folder */
async function stage (d: CacheDriver, name: string, content: Uint8Array): Promise<string> {
  const p = join(d.stagingDir(), name)
  await writeFile(p, content)
  return p
}

test.after.always(async () => { await cleanupTemps() })

test('nova: the base file name is the sha1 of the image id', t => {
  t.is(novaBaseName('7ab65177-b57b-4fce-a442-4460c342c0cd'), createHash('sha1').update('7ab65177-b57b-4fce-a442-4460c342c0cd').digest('hex'))
})

test('nova: a raw image is placed as _base/<sha1>, same bytes, mode set, and removed again', async t => {
  const { d, base } = await driver({ 'cache-mode': '0640' })
  const content = bytes(3 * 65536, 5)
  const m = meta('img-raw', content, 'raw')
  const placed = await d.store(m, await stage(d, 'a.part', content))
  t.is(placed.path, join(base, novaBaseName('img-raw')))
  t.true(placed.sameBytes)
  t.is(sha256(await readFile(placed.path)), m.sha256)
  t.is((await stat(placed.path)).mode & 0o777, 0o640)
  t.true(await d.has(m))
  await d.remove('img-raw')
  t.false(await stat(placed.path).then(() => true, () => false))
  t.false(await d.has(m))
})

test('nova: a qcow2 image is converted to raw with force_raw_images', async t => {
  const { d, work } = await driver()
  const raw = join(work, 'src.raw')
  const content = bytes(2 * 1024 * 1024, 7)
  await writeFile(raw, content)
  const qcow = join(work, 'src.qcow2')
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow])
  const q = await readFile(qcow)
  const placed = await d.store(meta('img-qcow', q, 'qcow2'), await stage(d, 'q.part', q))
  t.false(placed.sameBytes)
  t.is(sha256(await readFile(placed.path)), sha256(content), 'the placed file is the raw content')
  t.is(JSON.parse(execFileSync('qemu-img', ['info', '--output=json', placed.path]).toString()).format, 'raw')
  t.deepEqual((await readdir(d.stagingDir())).filter(f => f !== 'placed.json'), [], 'the staged qcow2 is gone')
})

test('nova: a qcow2 image stays qcow2 when force_raw_images is off', async t => {
  const { d, work } = await driver({ 'force-raw-images': 'false' })
  const qcow = join(work, 'e.qcow2')
  execFileSync('qemu-img', ['create', '-f', 'qcow2', qcow, '64M'])
  const q = await readFile(qcow)
  const placed = await d.store(meta('img-q2', q, 'qcow2'), await stage(d, 'q2.part', q))
  t.true(placed.sameBytes)
  t.is(sha256(await readFile(placed.path)), sha256(q))
})

test('nova: an image with a backing file is refused, and so is a wrong disk_format', async t => {
  const { d, base, work } = await driver()
  const backing = join(work, 'backing.qcow2')
  execFileSync('qemu-img', ['create', '-f', 'qcow2', backing, '64M'])
  const overlay = join(work, 'overlay.qcow2')
  execFileSync('qemu-img', ['create', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, overlay])
  const o = await readFile(overlay)
  await t.throwsAsync(d.store(meta('img-overlay', o, 'qcow2'), await stage(d, 'o.part', o)), { name: 'UnsupportedImageError', message: /backing file/ })
  const q = await readFile(backing)
  await t.throwsAsync(d.store(meta('img-liar', q, 'raw'), await stage(d, 'l.part', q)), { name: 'UnsupportedImageError', message: /declared raw but qemu-img finds qcow2/ })
  t.deepEqual((await readdir(base)).filter(f => !f.startsWith('.')), [], 'nothing placed')
})

test('nova: base files Nova made itself are never replaced or removed', async t => {
  const { d, base } = await driver()
  await mkdir(base, { recursive: true })
  const novas = join(base, novaBaseName('img-nova'))
  await writeFile(novas, 'nova made this')
  const content = bytes(1000, 9)
  const m = meta('img-nova', content, 'raw')
  t.true(await d.has(m), 'an existing Nova base file counts as present')
  await d.store(m, await stage(d, 'n.part', content))
  await d.remove('img-nova')
  t.is(await readFile(novas, 'utf8'), 'nova made this')
})

test('nova: maintain() refreshes the mtime of placed files only', async t => {
  const { d, base } = await driver({ 'touch-interval': '1s' })
  const content = bytes(1000, 11)
  const placed = await d.store(meta('img-old', content, 'raw'), await stage(d, 't.part', content))
  const other = join(base, novaBaseName('someone-else'))
  await writeFile(other, 'x')
  const old = new Date(Date.now() - 2 * 86400_000)
  await utimes(placed.path, old, old)
  await utimes(other, old, old)
  await d.maintain?.()
  t.true((await stat(placed.path)).mtimeMs > Date.now() - 60_000, 'placed file touched')
  t.is(Math.round((await stat(other)).mtimeMs), Math.round(old.getTime()), 'foreign file untouched')
})

test('nova: placed files get the configured owner', async t => {
  if (process.getuid?.() !== 0) { t.fail('changing the owner needs root; run the tests as root (as CI does)'); return }
  const passwd = await readFile('/etc/passwd', 'utf8')
  const nobody = passwd.split('\n').map(l => l.split(':')).find(f => f[0] === 'nobody')
  t.truthy(nobody, 'this host has a nobody user')
  const { d } = await driver({ 'cache-owner': 'nobody' })
  const content = bytes(1000, 13)
  const placed = await d.store(meta('img-own', content, 'raw'), await stage(d, 'own.part', content))
  const s = await stat(placed.path)
  t.is(s.uid, Number(nobody?.[2]))
  t.is(s.gid, Number(nobody?.[3]))
})

test('nova: owner and mode options are validated', t => {
  t.throws(() => cacheDrivers.get('nova')({ config: loadConfig({ command: 'peer', flags: { 'cache-owner': 'no-such-user-xyz' } }), log }), { name: 'ConfigError', message: /no user/ })
  t.throws(() => cacheDrivers.get('nova')({ config: loadConfig({ command: 'peer', flags: { 'cache-mode': 'rw' } }), log }), { name: 'ConfigError', message: /octal/ })
})

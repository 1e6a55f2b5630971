import test from 'ava'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/log.js'
import '../../src/backends.js'
import { listers } from '../../src/list/lister.js'
import { fetchers } from '../../src/fetch/fetcher.js'
import type { ImageFetcher } from '../../src/fetch/fetcher.js'
import { ROOT, startGlance } from './services.js'
import { cleanupTemps, tempDir } from './services.js'
import type { Service } from './services.js'
import { bytes, createImage, identity } from './glance-client.js'
import { startProxy } from './proxy.js'
import type { TestProxy } from './proxy.js'

const log = createLogger('test')
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
let glance: Service
let url: string
let proxy: TestProxy
const img: Record<string, any> = {}
const data: Record<string, Uint8Array> = {}

test.before(async () => {
  glance = await startGlance()
  url = glance.vars.GLANCE_URL
  proxy = await startProxy(url)
  data.pub = bytes(1024 * 1024 + 17, 1)
  img.pub = await createImage(url, 'pa', { name: 'pub', tags: ['pc'], precache: 'true', visibility: 'public' }, data.pub)
  img.priv = await createImage(url, 'pa', { name: 'priv', tags: ['pc'], visibility: 'private', precache_pin: 'true' }, bytes(1000, 2))
  img.other = await createImage(url, 'pa', { name: 'other', tags: ['nope'], precache: 'true' }, bytes(1000, 3))
  img.queued = await createImage(url, 'pa', { name: 'queued', tags: ['pc'], precache: 'true' })
  img.deact = await createImage(url, 'pa', { name: 'deact', tags: ['pc'] }, bytes(1000, 4))
  const d = await fetch(`${url}/v2/images/${img.deact.id as string}/actions/deactivate`, { method: 'POST', headers: identity('pa') })
  if (d.status !== 204) throw new Error(`deactivate: ${d.status}`)
  for (let i = 0; i < 5; i++) img[`b${i}`] = await createImage(url, 'pb', { name: `b${i}`, tags: ['pc', 'bee'] }, bytes(500 + i, 10 + i))
})

test.after.always(async () => {
  await cleanupTemps()
  await proxy?.close()
  await glance?.stop()
})

function config (flags: Record<string, string | string[]>, glanceUrl = url): any {
  return loadConfig({ command: 'seeder', flags: { lister: 'glance', 'glance-endpoint': glanceUrl, 'os-project-id': 'pa', ...flags } })
}
const ids = (refs: Array<{ id: string }>): string[] => refs.map(r => r.id).sort()
const idsOf = (...names: string[]): string[] => names.map(n => img[n].id as string).sort()
async function list (flags: Record<string, string | string[]>, glanceUrl?: string): Promise<any[]> {
  const c = config(flags, glanceUrl)
  const l = listers.get('glance')({ config: c, log })
  await l.validate?.()
  return await l.list()
}

test.serial('glance: the property precache_pin=true pins an image (carried to the peers in its announcement)', async t => {
  const refs = await list({ 'glance-tag': 'pc' })
  t.true(refs.find(r => r.id === img.priv.id)?.pin, 'pinned by its property')
  t.is(refs.find(r => r.id === img.pub.id)?.pin, undefined, 'not pinned without it')
})

test.serial('glance: images carry the checksums the fetcher verifies', t => {
  t.is(img.pub.status, 'active')
  t.is(img.pub.os_hash_algo, 'sha512')
  t.is(img.pub.os_hash_value, createHash('sha512').update(data.pub).digest('hex'))
  t.is(img.queued.status, 'queued')
})

test.serial('lister: tag filter, only active images, every page followed', async t => {
  const before = proxy.gets.length
  const refs = await list({ 'glance-tag': 'pc', 'glance-page-size': '2' }, proxy.url)
  // pub, priv, b0..b4 are active and tagged; queued and deactivated ones are not listed
  t.deepEqual(ids(refs), idsOf('pub', 'priv', 'b0', 'b1', 'b2', 'b3', 'b4'))
  t.true(proxy.gets.length - before >= 4, `7 images at 2 a page need at least 4 requests, saw ${proxy.gets.length - before}`)
  const pub = refs.find(r => r.id === img.pub.id)
  t.is(pub.size, data.pub.length)
  t.is(pub.project, 'pa')
  t.is(pub.diskFormat, 'raw')
  t.is(pub.checksums.sha512, img.pub.os_hash_value)
  t.is(pub.checksums.md5, img.pub.checksum)
})

test.serial('lister: property, owner, visibility and combined filters', async t => {
  t.deepEqual(ids(await list({ 'glance-property': 'precache=true' })), idsOf('pub', 'other'))
  t.deepEqual(ids(await list({ 'glance-owner': 'pb', 'glance-page-size': '3' })), idsOf('b0', 'b1', 'b2', 'b3', 'b4'))
  t.deepEqual(ids(await list({ 'glance-owner': ['pa', 'pb'], 'glance-tag': ['pc', 'bee'] })), idsOf('b0', 'b1', 'b2', 'b3', 'b4'))
  t.deepEqual(ids(await list({ 'glance-visibility': 'public' })), idsOf('pub'))
  t.deepEqual(ids(await list({ 'glance-visibility': 'private', 'glance-owner': 'pa' })), idsOf('priv'))
  t.deepEqual(ids(await list({ 'glance-tag': 'pc', 'glance-property': 'precache=true' })), idsOf('pub'))
})

test.serial('lister: unreachable Glance and bad options are typed errors', async t => {
  await t.throwsAsync(list({ 'glance-tag': 'pc' }, 'http://127.0.0.1:1'), { name: 'UnreachableError', message: /cannot reach/ })
  await t.throwsAsync(list({ 'glance-visibility': 'everyone' }), { name: 'ConfigError' })
  await t.throwsAsync(list({ 'glance-property': 'novalue' }), { name: 'ConfigError' })
})

async function newFetcher (glanceUrl: string): Promise<{ fetcher: ImageFetcher, dir: string }> {
  const dir = await tempDir('pc-staging-')
  const c = loadConfig({ command: 'seeder', flags: { fetcher: 'glance', 'glance-endpoint': glanceUrl, 'os-project-id': 'pa', 'staging-dir': dir } })
  return { fetcher: fetchers.get('glance')({ config: c, log }), dir }
}
const refOf = (name: string): any => ({ id: img[name].id, name })

test.serial('fetcher: streams, verifies sha512, and skips a verified staged copy', async t => {
  const { fetcher, dir } = await newFetcher(proxy.url)
  const got = await fetcher.fetch(refOf('pub'))
  t.is(got.path, join(dir, img.pub.id))
  t.is(got.size, data.pub.length)
  t.is(got.verified.sha512, img.pub.os_hash_value)
  t.is(sha256(await readFile(got.path)), sha256(data.pub))
  const fileGets = (): number => proxy.gets.filter(g => g.path.endsWith('/file')).length
  const gets = fileGets()
  const again = await fetcher.fetch(refOf('pub'))
  t.is(again.path, got.path)
  t.is(fileGets(), gets, 'no second download of the file (only the image record is read)')
  await fetcher.release?.(refOf('pub'))
  t.deepEqual(await readdir(dir), [])
})

test.serial('fetcher: an interrupted download resumes with Range from the bytes already staged', async t => {
  const { fetcher, dir } = await newFetcher(proxy.url)
  proxy.cutNextAfter(300_000)
  await t.throwsAsync(fetcher.fetch(refOf('pub')), { name: 'UnreachableError', message: /interrupted/ })
  const part = join(dir, `${img.pub.id as string}.part`)
  const partSize = (await stat(part)).size
  t.true(partSize > 0 && partSize <= 300_000, `part has ${partSize} bytes`)
  t.false(await stat(join(dir, img.pub.id)).then(() => true, () => false), 'no complete-looking file after the interruption')
  const from = proxy.gets.length
  const got = await fetcher.fetch(refOf('pub'))
  t.deepEqual(proxy.gets.slice(from).filter(g => g.path.endsWith('/file')).map(g => g.range), [`bytes=${partSize}-`], 'only the missing bytes were requested')
  t.is(sha256(await readFile(got.path)), sha256(data.pub))
  t.is(got.verified.sha512, img.pub.os_hash_value)
})

test.serial('fetcher: a truncated download is a ChecksumMismatchError and leaves nothing behind', async t => {
  const { fetcher, dir } = await newFetcher(proxy.url)
  proxy.truncateNextAt(5000)
  await t.throwsAsync(fetcher.fetch(refOf('pub')), { name: 'ChecksumMismatchError', message: /5000 bytes/ })
  t.deepEqual(await readdir(dir), [])
})

test.serial('fetcher: bytes corrupted in the image store are detected', async t => {
  const name = 'b3'
  const stored = join(glance.dir, 'images', img[name].id)
  const original = await readFile(stored)
  const bad = Buffer.from(original)
  bad[100] ^= 0xff
  await writeFile(stored, bad)
  try {
    const { fetcher, dir } = await newFetcher(url)
    await t.throwsAsync(fetcher.fetch(refOf(name)), { name: 'ChecksumMismatchError', message: /sha512/ })
    t.deepEqual(await readdir(dir), [])
  } finally {
    await writeFile(stored, original)
  }
})

test.serial('fetcher: the bandwidth limit holds the download to its rate', async t => {
  const dir = await tempDir('pc-staging-')
  const c = loadConfig({ command: 'seeder', flags: { fetcher: 'glance', 'glance-endpoint': url, 'os-project-id': 'pa', 'staging-dir': dir, 'glance-rate': '1MiB/s' } })
  const fetcher = fetchers.get('glance')({ config: c, log })
  const start = Date.now()
  const got = await fetcher.fetch(refOf('pub'))
  const seconds = (Date.now() - start) / 1000
  // 1 MiB + 17 bytes at 1 MiB/s with a 256 KiB burst needs at least ~0.75 s
  t.true(seconds >= 0.7, `took ${seconds} s`)
  t.is(got.verified.sha512, img.pub.os_hash_value)
})

async function cli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return await new Promise(resolve => {
    execFile(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), ...args], (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : Number((err as any).code), stdout, stderr })
    })
  })
}

test.serial('precache list: a table and --json of what the Glance lister selects; a clear error when Glance is down', async t => {
  const common = ['--lister', 'glance', '--glance-endpoint', url, '--os-project-id', 'pa', '--glance-owner', 'pa', '--glance-tag', 'pc']
  const json = await cli(['list', ...common, '--json'])
  t.is(json.code, 0, json.stderr)
  const rows = JSON.parse(json.stdout)
  t.deepEqual(rows.map((r: any) => r.id).sort(), idsOf('pub', 'priv'))
  const pub = rows.find((r: any) => r.id === img.pub.id)
  t.like(pub, { name: 'pub', project: 'pa', size: data.pub.length, diskFormat: 'raw' })
  const table = await cli(['list', ...common])
  t.is(table.code, 0)
  t.regex(table.stdout, /^ID +NAME +PROJECT +SIZE +FORMAT/)
  t.regex(table.stdout, new RegExp(`${img.pub.id as string} +pub +pa +1\\.0 MiB +raw`))
  const down = await cli(['list', '--lister', 'glance', '--glance-endpoint', 'http://127.0.0.1:1', '--os-project-id', 'pa'])
  t.is(down.code, 1)
  t.regex(down.stderr, /^precache: Glance image list: cannot reach http:\/\/127\.0\.0\.1:1\/v2\/images/)
  t.notRegex(down.stderr, /\n +at /, 'no stack trace')
})

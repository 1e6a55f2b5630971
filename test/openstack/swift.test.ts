import test from 'ava'
import { createHash } from 'node:crypto'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/log.js'
import '../../src/backends.js'
import { fetchers } from '../../src/fetch/fetcher.js'
import type { ImageFetcher } from '../../src/fetch/fetcher.js'
import { startSwift } from './services.js'
import { cleanupTemps, tempDir } from './services.js'
import type { Service } from './services.js'
import { bytes } from './glance-client.js'
import { startProxy } from './proxy.js'
import type { TestProxy } from './proxy.js'

const log = createLogger('test')
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
let swift: Service
let proxy: TestProxy
let storage: string
let token: string
const data: Record<string, Uint8Array> = {}

async function put (path: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${storage}/${path}`, { method: 'PUT', headers: { 'x-auth-token': token, ...headers }, body: body != null ? Buffer.from(body) : undefined })
  if (res.status !== 201 && res.status !== 202) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`)
}
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex')

test.before(async () => {
  swift = await startSwift()
  const auth = await fetch(swift.vars.SWIFT_AUTH_URL, { headers: { 'x-auth-user': swift.vars.SWIFT_USER, 'x-auth-key': swift.vars.SWIFT_KEY } })
  token = auth.headers.get('x-auth-token') ?? ''
  storage = auth.headers.get('x-storage-url') ?? ''
  await put('images')
  await put('segments')
  data.plain = bytes(700_000, 21)
  await put('images/plain', data.plain)
  // a static large object of three segments
  const segs = [bytes(300_000, 22), bytes(300_000, 23), bytes(123_456, 24)]
  data.slo = Buffer.concat(segs)
  for (const [i, s] of segs.entries()) await put(`segments/slo-${i}`, s)
  await put('images/slo?multipart-manifest=put', new TextEncoder().encode(JSON.stringify(segs.map((s, i) => ({ path: `/segments/slo-${i}`, etag: md5(s), size_bytes: s.length })))))
  // a dynamic large object: every object under a prefix
  const dsegs = [bytes(200_000, 25), bytes(200_000, 26), bytes(5, 27)]
  data.dlo = Buffer.concat(dsegs)
  for (const [i, s] of dsegs.entries()) await put(`segments/dlo/${String(i).padStart(3, '0')}`, s)
  await put('images/dlo', new Uint8Array(0), { 'x-object-manifest': 'segments/dlo/' })
  proxy = await startProxy(new URL(swift.vars.SWIFT_AUTH_URL).origin)
})

test.after.always(async () => {
  await cleanupTemps()
  await proxy?.close()
  await swift?.stop()
})

async function newFetcher (via?: string): Promise<{ fetcher: ImageFetcher, dir: string }> {
  const dir = await tempDir('pc-staging-')
  const authUrl = via != null ? `${via}/auth/v1.0` : swift.vars.SWIFT_AUTH_URL
  const c = loadConfig({ command: 'seeder', flags: { fetcher: 'swift', 'swift-auth-url': authUrl, 'swift-user': swift.vars.SWIFT_USER, 'swift-key': swift.vars.SWIFT_KEY, 'swift-container': 'images', 'staging-dir': dir } })
  return { fetcher: fetchers.get('swift')({ config: c, log }), dir }
}

test.serial('swift: a plain object is fetched and verified by its ETag', async t => {
  const { fetcher } = await newFetcher()
  const got = await fetcher.fetch({ id: 'plain' })
  t.is(got.verified.md5, md5(data.plain))
  t.is(sha256(await readFile(got.path)), sha256(data.plain))
})

test.serial('swift: a static large object is verified segment by segment', async t => {
  const head = await fetch(`${storage}/images/slo`, { method: 'HEAD', headers: { 'x-auth-token': token } })
  t.not(head.headers.get('etag')?.replace(/"/g, ''), md5(data.slo), 'the manifest ETag is not the content md5')
  const { fetcher } = await newFetcher()
  const got = await fetcher.fetch({ id: 'slo' })
  t.is(got.verified.segments, '3')
  t.is(got.verified.sha256, createHash('sha256').update(data.slo).digest('hex'))
  t.is(sha256(await readFile(got.path)), sha256(data.slo))
})

test.serial('swift: a dynamic large object is verified segment by segment', async t => {
  const { fetcher } = await newFetcher()
  const got = await fetcher.fetch({ id: 'dlo' })
  t.is(got.verified.segments, '3')
  t.is(sha256(await readFile(got.path)), sha256(data.dlo))
})

test.serial('swift: an interrupted large-object download resumes with Range', async t => {
  const { fetcher, dir } = await newFetcher(proxy.url)
  proxy.cutNextAfter(400_000)
  await t.throwsAsync(fetcher.fetch({ id: 'slo' }), { name: 'UnreachableError' })
  const partSize = (await readFile(join(dir, 'slo.part'))).length
  t.true(partSize > 0 && partSize <= 400_000)
  const from = proxy.gets.length
  const got = await fetcher.fetch({ id: 'slo' })
  const dataGets = proxy.gets.slice(from).filter(g => g.path.endsWith('/images/slo'))
  t.deepEqual(dataGets.map(g => g.range), [`bytes=${partSize}-`])
  t.is(sha256(await readFile(got.path)), sha256(data.slo))
})

test.serial('swift: a truncated download is a ChecksumMismatchError and leaves nothing', async t => {
  const { fetcher, dir } = await newFetcher(proxy.url)
  proxy.truncateNextAt(1000)
  await t.throwsAsync(fetcher.fetch({ id: 'plain' }), { name: 'ChecksumMismatchError' })
  t.deepEqual(await readdir(dir), [])
})

test.serial('swift: bytes corrupted on the object server are detected', async t => {
  // find the object's .data file on the single device and flip a byte in it
  const files = await readdir(join(swift.dir, 'srv', 'd1', 'objects'), { recursive: true })
  const candidates = []
  for (const f of files.filter(f => f.endsWith('.data'))) {
    const p = join(swift.dir, 'srv', 'd1', 'objects', f)
    const b = await readFile(p)
    if (b.length === data.plain.length && Buffer.compare(b, Buffer.from(data.plain)) === 0) candidates.push(p)
  }
  t.is(candidates.length, 1)
  const bad = Buffer.from(data.plain)
  bad[12345] ^= 0x01
  await writeFile(candidates[0], bad)
  const { fetcher, dir } = await newFetcher()
  await t.throwsAsync(fetcher.fetch({ id: 'plain' }), { name: 'ChecksumMismatchError', message: /md5/ })
  t.deepEqual(await readdir(dir), [])
})

test.serial('swift: wrong key and missing object are typed errors', async t => {
  const dir = await tempDir('pc-staging-')
  const c = loadConfig({ command: 'seeder', flags: { fetcher: 'swift', 'swift-auth-url': swift.vars.SWIFT_AUTH_URL, 'swift-user': swift.vars.SWIFT_USER, 'swift-key': 'wrong', 'staging-dir': dir } })
  await t.throwsAsync(fetchers.get('swift')({ config: c, log }).fetch({ id: 'plain' }), { name: 'AuthenticationError' })
  const { fetcher } = await newFetcher()
  await t.throwsAsync(fetcher.fetch({ id: 'missing' }), { name: 'RemoteServiceError', message: /404/ })
})

test.serial('http: a public Swift object over plain HTTP, verified by the published md5, resumed with Range', async t => {
  for (const container of ['images', 'segments']) {
    const acl = await fetch(`${storage}/${container}`, { method: 'POST', headers: { 'x-auth-token': token, 'x-container-read': '.r:*,.rlistings' } })
    t.is(acl.status, 204)
  }
  const publicUrl = storage.replace(new URL(storage).origin, proxy.url)
  const dir = await tempDir('pc-staging-')
  const c = loadConfig({ command: 'seeder', flags: { fetcher: 'http', 'http-url': `${publicUrl}/images/{id}`, 'staging-dir': dir } })
  const fetcher = fetchers.get('http')({ config: c, log })
  proxy.cutNextAfter(100_000)
  await t.throwsAsync(fetcher.fetch({ id: 'dlo', checksums: { md5: md5(data.dlo) } }), { name: 'UnreachableError' })
  const partSize = (await readFile(join(dir, 'dlo.part'))).length
  t.true(partSize > 0 && partSize <= 100_000, `part has ${partSize} bytes`)
  const from = proxy.gets.length
  const got = await fetcher.fetch({ id: 'dlo', checksums: { md5: md5(data.dlo) } })
  t.deepEqual(proxy.gets.slice(from).map(g => g.range), [`bytes=${partSize}-`])
  t.is(got.verified.md5, md5(data.dlo))
  t.is(sha256(await readFile(got.path)), sha256(data.dlo))
  // a wrong published checksum is caught
  const c2 = loadConfig({ command: 'seeder', flags: { fetcher: 'http', 'http-url': `${publicUrl}/images/{id}`, 'staging-dir': await tempDir('pc-staging-') } })
  await t.throwsAsync(fetchers.get('http')({ config: c2, log }).fetch({ id: 'slo', checksums: { md5: md5(data.dlo) } }), { name: 'ChecksumMismatchError' })
})

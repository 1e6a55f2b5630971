/** Unit tests of the cache lifecycle's building blocks: the state store, space reservations, block reuse */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../src/log.js'
import { openPeerStore } from '../../src/roles/peer-store.js'
import type { StoredImage } from '../../src/roles/peer-store.js'
import { createSpace } from '../../src/cache/space.js'
import { reuseBlocks } from '../../src/cache/reuse.js'
import { buildManifest } from '../../src/image/manifest.js'
import { openPartialStore } from '../../src/swarm/store.js'

const log = createLogger('test')
const KiB = 1024

async function temp (t: any): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-unit-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const rec = (i: number): StoredImage => ({ manifestId: `m${i}`, seeder: 's', state: 'placed', size: i, path: `/p/${i}`, sameBytes: true, lastAnnounced: i })

test('state store: 50 concurrent changes end as one valid file holding all of them, and reopen the same', async t => {
  const dir = await temp(t)
  const store = await openPeerStore(dir, log)
  await Promise.all(Array.from({ length: 50 }, async (_, i) => { await store.update(`img-${i}`, rec(i)) }))
  await store.setDownload('mX', { imageId: 'img-x', size: 5 })
  const onDisk = JSON.parse(await readFile(join(dir, 'peer', 'state.json'), 'utf8'))
  t.is(Object.keys(onDisk.images).length, 50)
  const again = await openPeerStore(dir, log)
  t.deepEqual(again.all().sort(([a], [b]) => a.localeCompare(b)), store.all().sort(([a], [b]) => a.localeCompare(b)))
  t.deepEqual(again.downloads(), [['mX', { imageId: 'img-x', size: 5 }]])
  // placing an image and forgetting its download is one write
  await again.update('img-x', rec(7), 'mX')
  t.deepEqual((await openPeerStore(dir, log)).downloads(), [])
})

test('state store: a torn or foreign state file is reported and not trusted (nothing is deleted because of it)', async t => {
  const dir = await temp(t)
  await openPeerStore(dir, log)
  await writeFile(join(dir, 'peer', 'state.json'), '{"version":1,"images":{"a":{"manifestId":"m"')
  const store = await openPeerStore(dir, log)
  t.deepEqual(store.all(), [])
})

test('space: a second reservation that would pass the quota waits until the first is released; eviction is asked first', async t => {
  const dir = await temp(t)
  const asked: number[] = []
  const space = createSpace({ log, cachedBytes: () => 0, evict: async (bytes) => { asked.push(bytes); return 0 } }, { dir, maxBytes: 100 * KiB, pollInterval: 50 })
  const first = await space.reserve('a', 60 * KiB, join(dir, 'a.part'))
  let second = false
  const waited: string[] = []
  const pending = space.reserve('b', 60 * KiB, join(dir, 'b.part'), undefined, () => { waited.push('b') }).then(r => { second = true; return r })
  await new Promise(resolve => setTimeout(resolve, 300))
  t.false(second, 'b waits')
  t.deepEqual(waited, ['b'], 'b was told once that it waits')
  t.is(asked[0], 20 * KiB, 'eviction was asked for the missing 20 KiB')
  first.release()
  ;(await pending).release()
  t.true(second)
  t.deepEqual(waited, ['b'])
})

test('space: min_free larger than the disk makes a download wait, and an abort ends the wait', async t => {
  const dir = await temp(t)
  const space = createSpace({ log, cachedBytes: () => 0, evict: async () => 0 }, { dir, minFree: Number.MAX_SAFE_INTEGER / 2, pollInterval: 50 })
  const controller = new AbortController()
  setTimeout(() => { controller.abort() }, 200)
  await t.throwsAsync(space.reserve('a', 1, join(dir, 'a.part'), controller.signal), { name: 'AbortError' })
})

test('reuse: blocks with the same hash are copied from another file wherever they sit there; changed ones are left to fetch', async t => {
  const dir = await temp(t)
  const bs = 16 * KiB
  const old = randomBytes(8 * bs)
  const next = Buffer.from(old)
  randomBytes(bs).copy(next, 2 * bs) // block 2 changed
  old.copy(next, 5 * bs, 0, bs) // block 5 repeats block 0
  await writeFile(join(dir, 'old'), old)
  await writeFile(join(dir, 'next'), next)
  const oldManifest = await buildManifest('img', join(dir, 'old'), bs)
  const nextManifest = await buildManifest('img', join(dir, 'next'), bs)
  const store = await openPartialStore(join(dir, 'staging'), 'next', nextManifest)
  const copied = await reuseBlocks(store, [{ path: join(dir, 'old'), manifest: oldManifest }])
  t.is(copied, 7 * bs)
  t.deepEqual([...Array(store.have.size).keys()].filter(i => !store.have.get(i)), [2])
  await store.close()
})

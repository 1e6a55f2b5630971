import test from 'ava'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../src/log.js'
import type { ImageMeta } from '../../src/image/meta.js'
import { ImageStateError } from '../../src/roles/image-table.js'
import { createPeerImageTable, openPeerImages, PEER_IMAGE_STATES, PEER_TRANSITIONS } from '../../src/roles/peer-images.js'
import type { PeerJob } from '../../src/roles/peer-images.js'
import { openPeerStore } from '../../src/roles/peer-store.js'
import type { StoredImage } from '../../src/roles/peer-store.js'

const log = createLogger('test')

const job = (imageId: string, manifestId: string): PeerJob => ({
  meta: { imageId, manifestId, size: 10, seeders: [] } as unknown as ImageMeta, // only the fields the table reads
  seeder: 's',
  controller: new AbortController(),
  started: 0,
  report: { reusedBytes: 0, fromSeeders: 0, fromPeers: 0 }
})
const placed = (manifestId: string): StoredImage => ({ manifestId, seeder: 's', state: 'placed', size: 10, path: '/c/a', sameBytes: true, lastAnnounced: 1 })

async function tempStore (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-peer-images-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return { dir }
}

test('peer rows move announced → waiting → downloading → verified → placed → released, recording when', t => {
  let clock = 100
  const table = createPeerImageTable(() => clock++)
  table.put({ imageId: 'a', state: 'announced', repairs: 0 })
  for (const s of ['waiting', 'downloading', 'verified', 'placed', 'released'] as const) table.move('a', s)
  const row = table.get('a')
  t.is(row?.state, 'released')
  t.deepEqual(row?.since, { announced: 100, waiting: 101, downloading: 102, verified: 103, placed: 104, released: 105 })
})

test('the peer table refuses every move its transition map does not list', t => {
  const table = createPeerImageTable()
  let refused = 0
  for (const from of PEER_IMAGE_STATES) {
    for (const to of PEER_IMAGE_STATES) {
      if (from === to) continue
      // a row may only start in announced, placed or released: reach `from` through legal moves
      const path: Record<string, string[]> = { announced: [], waiting: ['waiting'], downloading: ['downloading'], verified: ['downloading', 'verified'], placed: ['placed'], failed: ['failed'], released: ['released'] }
      table.put({ imageId: 'x', state: 'announced', repairs: 0 })
      for (const s of path[from]) table.move('x', s as typeof from)
      if (PEER_TRANSITIONS[from].includes(to)) {
        t.notThrows(() => table.move('x', to), `${from} → ${to}`)
      } else {
        t.throws(() => table.move('x', to), { instanceOf: ImageStateError }, `${from} → ${to}`)
        refused++
      }
    }
  }
  t.is(refused, 19, "7 × 6 moves between different states, 23 of them legal")
  // some moves that would be bugs
  table.put({ imageId: 'y', state: 'announced', repairs: 0 })
  t.throws(() => table.move('y', 'verified'), { instanceOf: ImageStateError }, 'verified without downloading')
  table.move('y', 'downloading')
  t.throws(() => table.move('y', 'placed'), { instanceOf: ImageStateError }, 'placed without the whole-image check')
  t.throws(() => table.put({ imageId: 'z', state: 'downloading', repairs: 0 }), { instanceOf: ImageStateError }, 'a row never starts downloading')
})

test('the table starts from state.json: placed and released rows, nothing re-downloaded', async t => {
  const { dir } = await tempStore(t)
  const store = await openPeerStore(dir, log)
  await store.update('a', placed('m1'))
  await store.update('b', { ...placed('m2'), state: 'released', deleteAt: 99 })
  const images = openPeerImages({ store: await openPeerStore(dir, log), log })
  t.is(images.get('a')?.state, 'placed')
  t.is(images.get('a')?.stored?.path, '/c/a')
  t.is(images.get('b')?.state, 'released')
  t.is(images.cachedBytes(), 20)
})

test('moves that change the persisted part write state.json in the same format', async t => {
  const { dir } = await tempStore(t)
  const store = await openPeerStore(dir, log)
  const images = openPeerImages({ store, log })
  images.want('a', job('a', 'm1'), 0)
  await store.setDownload('m1', { imageId: 'a', size: 10 })
  images.move('a', 'downloading')
  images.move('a', 'verified')
  await images.place('a', placed('m1'), 'm1', { cachedAt: 5 })
  t.is(images.get('a')?.state, 'placed')
  let file = JSON.parse(await readFile(join(dir, 'peer', 'state.json'), 'utf8'))
  t.deepEqual(file, { version: 1, images: { a: placed('m1') }, downloads: {} }, 'placement and the end of the download in one write')
  await images.release('a', 1234)
  file = JSON.parse(await readFile(join(dir, 'peer', 'state.json'), 'utf8'))
  t.is(file.images.a.state, 'released')
  t.is(file.images.a.deleteAt, 1234)
  t.is(images.get('a')?.state, 'released')
  // announced again in the grace period: kept
  await images.place('a', placed('m1'))
  t.is(images.get('a')?.state, 'placed')
  await images.forget('a')
  t.is(images.get('a'), undefined)
  file = JSON.parse(await readFile(join(dir, 'peer', 'state.json'), 'utf8'))
  t.deepEqual(file.images, {})
})

test('a new version keeps the old copy recorded until it is placed; forgetting the old one keeps the download', async t => {
  const { dir } = await tempStore(t)
  const store = await openPeerStore(dir, log)
  await store.update('a', { ...placed('m1'), state: 'released', deleteAt: 1 })
  const images = openPeerImages({ store, log })
  images.want('a', job('a', 'm2'), 0)
  t.is(images.get('a')?.state, 'announced')
  t.is(images.get('a')?.stored?.manifestId, 'm1', 'the released old version is still recorded')
  // the grace sweep deletes the old version while the new one downloads
  images.move('a', 'downloading')
  await images.forget('a')
  t.is(images.get('a')?.state, 'downloading', 'the download of the new version goes on')
  t.is(images.get('a')?.stored, undefined)
  images.move('a', 'verified')
  await images.place('a', placed('m2'), 'm2')
  t.is(images.get('a')?.state, 'placed')
  t.is(images.get('a')?.stored?.manifestId, 'm2')
})

test('placing an older version while a newer one is wanted records it but leaves the row to the newer download', async t => {
  const { dir } = await tempStore(t)
  const images = openPeerImages({ store: await openPeerStore(dir, log), log })
  images.want('a', job('a', 'm2'), 0)
  await images.place('a', placed('m1'))
  t.is(images.get('a')?.state, 'announced')
  t.is(images.get('a')?.stored?.manifestId, 'm1')
})

test('a peer upgraded in place keeps its cache: a state.json of 0.2.0 and a placed.json of 0.1.0 load, and survive a restart', async t => {
  const { dir } = await tempStore(t)
  const { mkdir, writeFile } = await import('node:fs/promises')
  await mkdir(join(dir, 'peer'), { recursive: true })
  // placed.json (0.1.0): no seeder, no size
  await writeFile(join(dir, 'peer', 'placed.json'), JSON.stringify({ old: { manifestId: 'm0', path: '/c/old', sameBytes: true } }))
  let images = openPeerImages({ store: await openPeerStore(dir, log), log })
  t.is(images.get('old')?.state, 'placed')
  await images.touch('old', { ...images.get('old')?.stored as StoredImage, lastAnnounced: 7 }) // the first write converts it
  images = openPeerImages({ store: await openPeerStore(dir, log), log })
  t.is(images.get('old')?.state, 'placed', 'still placed after a second start')
  t.is(images.get('old')?.stored?.path, '/c/old')
  // state.json (0.2.0), as its peer wrote it
  await writeFile(join(dir, 'peer', 'state.json'), JSON.stringify({
    version: 1,
    images: { a: { manifestId: 'm1', seeder: 's', state: 'placed', size: 10, path: '/c/a', sameBytes: true, pinned: true, lastAnnounced: 3 }, b: { manifestId: 'm2', seeder: 's', state: 'released', size: 5, path: '/c/b', lastAnnounced: 1, deleteAt: 9 }, bad: { state: 'placed' } },
    downloads: { m3: { imageId: 'c', size: 20 } }
  }))
  const store = await openPeerStore(dir, log)
  images = openPeerImages({ store, log })
  t.deepEqual(images.get('a')?.stored, { manifestId: 'm1', seeder: 's', state: 'placed', size: 10, path: '/c/a', sameBytes: true, pinned: true, lastAnnounced: 3 })
  t.deepEqual(images.get('b')?.stored, { manifestId: 'm2', seeder: 's', state: 'released', size: 5, path: '/c/b', lastAnnounced: 1, deleteAt: 9 })
  t.is(images.get('b')?.state, 'released')
  t.is(images.get('bad'), undefined, 'a record without its fields is dropped')
  t.deepEqual(store.downloads(), [['m3', { imageId: 'c', size: 20 }]], 'the download in progress is still wanted (its .part is kept)')
})

test('a placement whose row went (a withdrawal racing the last step of a download) is still recorded and in the table', async t => {
  const { dir } = await tempStore(t)
  const store = await openPeerStore(dir, log)
  const images = openPeerImages({ store, log })
  await images.place('a', placed('m1'), 'm1')
  t.is(images.get('a')?.state, 'placed')
  t.is(store.get('a')?.manifestId, 'm1')
})

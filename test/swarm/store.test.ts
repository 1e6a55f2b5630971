import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildManifest } from '../../src/image/manifest.js'
import { openPartialStore, openSourceStore } from '../../src/swarm/store.js'
import { BlockHashMismatchError, ImageHashMismatchError } from '../../src/errors.js'

const BS = 16 * 1024

async function setup (t: { teardown: (fn: () => Promise<void>) => void }, size = 5 * BS + 123): Promise<{ dir: string, image: Buffer, source: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-store-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const image = randomBytes(size)
  const source = join(dir, 'image')
  await writeFile(source, image)
  return { dir, image, source }
}

test('a source store serves every block of its file, the last one short', async t => {
  const { image, source } = await setup(t)
  const m = await buildManifest('img', source, BS)
  const store = await openSourceStore(source, m)
  t.true(store.have.full())
  for (let i = 0; i < m.blockHashes.length; i++) {
    t.deepEqual(Buffer.from(await store.read(i)), image.subarray(i * BS, Math.min(image.length, (i + 1) * BS)), `block ${i}`)
  }
  await store.close()
})

test('a partial store takes only blocks that match the manifest, and then passes the whole-image check', async t => {
  const { dir, image, source } = await setup(t)
  const m = await buildManifest('img', source, BS)
  const store = await openPartialStore(join(dir, 'staging'), 'm1', m, 10)
  const block = (i: number): Buffer => image.subarray(i * BS, Math.min(image.length, (i + 1) * BS))
  const bad = Buffer.from(block(1))
  bad[0] ^= 1
  await t.throwsAsync(store.write(1, bad), { instanceOf: BlockHashMismatchError })
  t.false(store.have.get(1), 'a block with the wrong hash is not stored')
  for (let i = 0; i < m.blockHashes.length; i++) t.true(await store.write(i, block(i)))
  t.false(await store.write(0, block(0)), 'a block held already is not written again')
  await store.verifyWhole()
  t.deepEqual(await readFile(store.partPath), image)
  await store.close()
})

test('a reopened partial store keeps its verified blocks and drops ones changed on disk', async t => {
  const { dir, image, source } = await setup(t)
  const m = await buildManifest('img', source, BS)
  const staging = join(dir, 'staging')
  const first = await openPartialStore(staging, 'm1', m, 1)
  for (const i of [0, 2, 3]) await first.write(i, image.subarray(i * BS, (i + 1) * BS))
  await first.close()
  // corrupt block 2 inside the .part file
  const part = await readFile(first.partPath)
  part[2 * BS] ^= 0xff
  await writeFile(first.partPath, part)
  const again = await openPartialStore(staging, 'm1', m, 1)
  t.deepEqual([0, 1, 2, 3].map(i => again.have.get(i)), [true, false, false, true])
  await again.close()
})

test('the whole-image check fails on a .part changed after its blocks were verified', async t => {
  const { dir, image, source } = await setup(t, 2 * BS)
  const m = await buildManifest('img', source, BS)
  const store = await openPartialStore(join(dir, 'staging'), 'm1', m, 10)
  for (let i = 0; i < 2; i++) await store.write(i, image.subarray(i * BS, (i + 1) * BS))
  const part = await readFile(store.partPath)
  part[5] ^= 1
  await writeFile(store.partPath, part)
  await t.throwsAsync(store.verifyWhole(), { instanceOf: ImageHashMismatchError })
  await store.close()
  t.true((await readdir(join(dir, 'staging'))).some(f => f.endsWith('.part')))
})

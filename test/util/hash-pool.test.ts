import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import { open, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeHashPool, sha256Shared, sharedBuffer } from '../../src/util/hash-pool.js'

// the pool's threads are unref'd, yet under ava's TAP reporter the test process did not exit while they ran
test.after.always(async () => { await closeHashPool() })

test('worker-thread SHA-256 of shared buffers equals createHash, for many buffers at once and for views', async t => {
  const bufs = Array.from({ length: 12 }, (_, i) => { const b = sharedBuffer(70_000 + i); randomBytes(b.length).copy(b); return b })
  const got = await Promise.all(bufs.map(async b => Buffer.from(await sha256Shared(b.subarray(3, b.length - 5))).toString('hex')))
  t.deepEqual(got, bufs.map(b => createHash('sha256').update(b.subarray(3, b.length - 5)).digest('hex')))
  await t.throwsAsync(async () => await sha256Shared(Buffer.alloc(10)), { instanceOf: TypeError })
})

test('a shared buffer can be written to a file at an offset (what the block store does)', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-hashpool-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const b = sharedBuffer(1000)
  b.fill(9)
  const fh = await open(join(dir, 'f'), 'w+')
  await fh.writev([b.subarray(0, 600)], 10)
  await fh.close()
  const back = await readFile(join(dir, 'f'))
  t.is(back.length, 610)
  t.true(back.subarray(10).every(x => x === 9))
})

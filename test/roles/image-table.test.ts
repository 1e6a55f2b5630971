import test from 'ava'
import { createImageTable, ImageStateError } from '../../src/roles/image-table.js'
import type { ImageRow } from '../../src/roles/image-table.js'
import { createSeederImageTable } from '../../src/roles/seeder-images.js'
import { backoff } from '../../src/roles/retry.js'

test('seeder rows move listed → fetched → served → announced, recording when', t => {
  let now = 1000
  const table = createSeederImageTable(() => now)
  table.put({ imageId: 'a', state: 'listed', ref: { id: 'a' } })
  for (const s of ['fetched', 'served', 'announced'] as const) { now += 10; table.move('a', s) }
  t.deepEqual(table.get('a')?.since, { listed: 1000, fetched: 1010, served: 1020, announced: 1030 })
  now += 10
  table.move('a', 'served') // a new manifest for the same image
  t.is(table.get('a')?.since.served, 1040)
  t.is(table.get('a')?.since.listed, 1000)
})

test('a move the transitions do not allow, and a row in a wrong first state, are refused', t => {
  const table = createSeederImageTable()
  t.throws(() => table.put({ imageId: 'a', state: 'announced', ref: { id: 'a' } }), { instanceOf: ImageStateError })
  table.put({ imageId: 'a', state: 'listed', ref: { id: 'a' } })
  t.throws(() => table.move('a', 'announced'), { instanceOf: ImageStateError })
  t.is(table.get('a')?.state, 'listed', 'the row did not move')
  t.throws(() => table.move('missing', 'fetched'), { instanceOf: ImageStateError })
})

test('a move clears the last error; an update or a move to the same state keeps it', t => {
  type S = 'x' | 'y'
  const table = createImageTable<S, ImageRow<S>>({ name: 't', initial: ['x'], transitions: { x: ['y'], y: ['x'] } })
  table.put({ imageId: 'a', state: 'x' })
  table.update('a', { error: 'boom' })
  table.move('a', 'x')
  t.is(table.get('a')?.error, 'boom')
  table.move('a', 'y')
  t.is(table.get('a')?.error, undefined)
  t.is(table.size(), 1)
  t.true(table.delete('a'))
  t.deepEqual(table.rows(), [])
})

test('back-off doubles from the first delay up to the ceiling', t => {
  t.deepEqual([0, 1, 2, 3, 10].map(a => backoff(a, 5000, 300_000)), [5000, 10_000, 20_000, 40_000, 300_000])
  t.is(backoff(9, 15_000, 10 ** 9, 6), 15_000 * 64, 'at most maxDoublings doublings')
  t.is(backoff(-1, 100, 1000), 100)
})

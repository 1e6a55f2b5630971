import test from 'ava'
import { createTokenBucket } from '../../src/util/token-bucket.js'
import { AbortedError } from '../../src/errors.js'

function fakeClock (): { now: () => number, sleep: (ms: number) => Promise<void>, slept: number[] } {
  let t = 0
  const slept: number[] = []
  return { now: () => t, sleep: async (ms: number) => { slept.push(ms); t += ms }, slept }
}

test('rate 0 is unlimited: no take ever sleeps, however large', async t => {
  const c = fakeClock()
  const b = createTokenBucket({ rate: 0, burst: 1, now: c.now, sleep: c.sleep })
  for (let i = 0; i < 5; i++) await b.take(1e12)
  t.deepEqual(c.slept, [])
  const limited = createTokenBucket({ rate: 1, burst: 1, now: c.now, sleep: c.sleep })
  await limited.take(1e3)
  t.true(c.slept.length > 0, 'the same takes wait under a finite rate (the check can fail)')
})

test('the burst passes at once, the rest at the average rate', async t => {
  const c = fakeClock()
  const b = createTokenBucket({ rate: 1000, burst: 500, now: c.now, sleep: c.sleep })
  await b.take(500)
  t.deepEqual(c.slept, [])
  await b.take(1000)
  t.deepEqual(c.slept, [1000], '1000 bytes at 1000 B/s = 1 s')
})

test('a take larger than the burst goes into debt and waits it off', async t => {
  const c = fakeClock()
  const b = createTokenBucket({ rate: 1_000_000, burst: 100_000, now: c.now, sleep: c.sleep })
  await b.take(1_048_576)
  t.deepEqual(c.slept, [949])
  await b.take(100_000)
  t.deepEqual(c.slept, [949, 100])
})

test('concurrent takers are served in FIFO order', async t => {
  const c = fakeClock()
  const b = createTokenBucket({ rate: 100, burst: 100, now: c.now, sleep: c.sleep })
  const order: number[] = []
  await Promise.all([1, 2, 3].map(async i => { await b.take(100); order.push(i) }))
  t.deepEqual(order, [1, 2, 3])
  t.deepEqual(c.slept, [1000, 1000])
})

test('an aborted wait rejects with AbortedError', async t => {
  const b = createTokenBucket({ rate: 10, burst: 1 })
  const controller = new AbortController()
  const p = b.take(1000, controller.signal)
  controller.abort()
  await t.throwsAsync(p, { instanceOf: AbortedError })
})

import test from 'ava'
import { createEventLoop } from '../../bench/sim/events.js'
import { createFlowNetwork, maxMinRates, MaxMinSolver } from '../../bench/sim/flows.js'
import { seededRandom } from '../../bench/sim/region.js'

const close = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-9)

test('max-min: two flows on one link share it equally', t => {
  t.deepEqual(maxMinRates([10], [[0], [0]]), [5, 5])
})

test('max-min: a flow held back elsewhere leaves its share to the others', t => {
  // link 0 (10) carries f0 and f1; link 1 (4) carries f1 and f2: f1 and f2 get 2, f0 the remaining 8
  t.true(close(maxMinRates([10, 4], [[0], [0, 1], [1]]), [8, 2, 2]))
})

test('max-min: an uplink shared by three receivers, one with a slow downlink', t => {
  // uplink 10; downlinks 1, 100, 100
  t.true(close(maxMinRates([10, 1, 100, 100], [[0, 1], [0, 2], [0, 3]]), [1, 4.5, 4.5]))
})

test('max-min: unconstrained resources are ignored, a flow crossing only those is an error', t => {
  t.true(close(maxMinRates([Infinity, 6], [[0, 1], [1]]), [3, 3]))
  t.throws(() => maxMinRates([Infinity], [[0]]), { instanceOf: RangeError })
})

test('flow network: a flow that ends frees its share for the other at once', t => {
  const loop = createEventLoop()
  const net = createFlowNetwork(loop)
  const link = net.addResource(10)
  const done: Array<[string, number]> = []
  net.start([link], 5, () => { done.push(['small', loop.now]) })
  net.start([link], 10, () => { done.push(['big', loop.now]) })
  loop.run()
  // both at 5 B/s: small ends at 1 s; big then has 5 B left at 10 B/s: ends at 1.5 s
  t.is(done.length, 2)
  t.is(done[0][0], 'small')
  t.true(Math.abs(done[0][1] - 1) < 1e-9)
  t.true(Math.abs(done[1][1] - 1.5) < 1e-9)
})

test('flow network: a connection that goes on with its next block keeps its rate', t => {
  const loop = createEventLoop()
  const net = createFlowNetwork(loop)
  const up = net.addResource(4)
  const times: number[] = []
  let blocks = 3
  const onDone = (flow: number): void => {
    times.push(loop.now)
    if (--blocks > 0) net.next(flow, 8, onDone)
  }
  net.start([up], 8, onDone)
  loop.run()
  t.true(close(times, [2, 4, 6]))
  t.is(net.active, 0)
})

test('flow network: an aborted flow never completes and its capacity goes to the rest', t => {
  const loop = createEventLoop()
  const net = createFlowNetwork(loop)
  const link = net.addResource(2)
  let aborted = false
  let end = 0
  const f = net.start([link], 100, () => { aborted = true })
  net.start([link], 4, () => { end = loop.now })
  loop.at(1, () => { net.abort(f) })
  loop.run()
  // 1 s at 1 B/s (3 B left), then 2 B/s: 1.5 s more
  t.false(aborted)
  t.true(Math.abs(end - 2.5) < 1e-9)
})

test('max-min: the incremental solver gives the rates of a full recomputation after every change', t => {
  const random = seededRandom(7)
  // 12 hosts (uplink, downlink), one uplink unconstrained, plus a shared CPU some flows cross
  const caps = Array.from({ length: 25 }, (_, r) => r === 3 ? Infinity : 1 + Math.floor(random() * 20))
  const solver = new MaxMinSolver()
  for (const c of caps) solver.addResource(c)
  const flows = new Map<number, number[]>()
  let next = 0
  let compared = 0
  let partial = 0
  for (let step = 0; step < 400; step++) {
    if (flows.size > 0 && random() < 0.45) {
      const ids = [...flows.keys()]
      const f = ids[Math.floor(random() * ids.length)]
      solver.remove(f)
      flows.delete(f)
    } else {
      const from = Math.floor(random() * 12)
      const to = (from + 1 + Math.floor(random() * 11)) % 12
      const path = [2 * from, 2 * to + 1, ...(random() < 0.1 ? [24] : [])]
      const f = next++
      solver.add(f, path)
      flows.set(f, path)
    }
    solver.solve()
    if (solver.component.length < flows.size) partial++
    const ids = [...flows.keys()]
    const expected = maxMinRates(caps, ids.map(f => flows.get(f) as number[]))
    ids.forEach((f, i) => { if (Math.abs(solver.rates[f] - expected[i]) > 1e-9) t.fail(`step ${step}: flow ${f} at ${solver.rates[f]}, expected ${expected[i]}`) })
    compared += ids.length
  }
  t.true(compared > 1000)
  t.true(partial > 0, 'some changes touched only part of the network')
})

test('max-min: a flow held to its own limit leaves the rest of the link to the others', t => {
  const s = new MaxMinSolver()
  const link = s.addResource(10)
  s.add(0, [link])
  s.add(1, [link])
  s.setLimit(0, 2)
  s.solve()
  t.true(close([s.rates[0], s.rates[1]], [2, 8]))
})

test('window model: a flow whose acknowledgements cross a queued link is held to window / round trip', t => {
  const loop = createEventLoop()
  const window = 1000
  const net = createFlowNetwork(loop, { quantum: 0.001, window, baseRtt: 0.001 })
  const big = net.addResource(1e6, true)
  const slow = net.addResource(10_000, true)
  const other = net.addResource(1e6, true)
  // two flows saturate `slow`: each keeps a window queued there, 2 × 1000 B / 10 kB/s = 0.2 s
  net.start([big, slow], 1e9, () => {})
  net.start([big, slow], 1e9, () => {})
  // this flow crosses only `other`, but its acknowledgements wait in `slow`'s queue
  const g = net.start([other], 1e12, () => {}, [slow])
  loop.run(5)
  t.true(Math.abs(net.delay(slow) - 0.2) < 0.002, `queue ${net.delay(slow)} s`)
  const expected = window / (0.001 + 0.2)
  t.true(Math.abs(net.rate(g) / expected - 1) < 0.01, `rate ${net.rate(g)}, expected ${expected}`)
  t.is(net.delay(other), 0, 'a link that is not full has no queue')
})

import test from 'ava'
import { admitSession, chooseDials, expiredRequests, firstPassStart, mayRequest, reconnectInterval, requestLimit, samplePeers, REQUEST_BUDGET, FAST_RECONNECT_INTERVAL, DEFAULT_RECONNECT_INTERVAL, COMPLETE_RECONNECT_INTERVAL, MIN_NEIGHBOURS } from '../../src/swarm/policy.js'
import { seededRandom } from '../../bench/sim/region.js'

test('request budget: shared over the sessions, at least one and at most requests_per_peer each', t => {
  t.is(requestLimit(16, 1), 16, 'one neighbour gets the whole budget (up to requests_per_peer)')
  t.is(requestLimit(4, 1), 4, 'requests_per_peer caps it')
  t.is(requestLimit(16, 4), Math.ceil(REQUEST_BUDGET / 4))
  t.is(requestLimit(16, 5), Math.ceil(REQUEST_BUDGET / 5), 'rounded up: the budget is used in full')
  t.is(requestLimit(16, 40), 1, 'many neighbours: one each, never none')
  t.is(requestLimit(16, 0), Math.min(16, REQUEST_BUDGET), 'no sessions counts as one')
  t.is(requestLimit(16, 19, 64), 4, 'a larger budget spread over 19 sessions')
})

test('a session requests while under its limit, and blocks being written count against twice the limit', t => {
  t.true(mayRequest(0, 0, 1))
  t.false(mayRequest(1, 0, 1))
  t.true(mayRequest(1, 2, 4))
  t.false(mayRequest(1, 3, 2), 'a slow disk holds requests back')
})

test('requests older than the timeout expire, younger ones stay', t => {
  const inFlight = new Map([[1, 0], [2, 900], [3, 1000]])
  t.deepEqual(expiredRequests(inFlight, 1500, 1000), [1])
  t.deepEqual(expiredRequests(inFlight, 2001, 1000).sort(), [1, 2, 3])
})

test('admission: a seeder serves max_block_peers at once, a peer twice its dial limit', t => {
  t.true(admitSession({ seeder: true, sessions: 31, maxBlockPeers: 32, maxNeighbours: 16 }))
  t.false(admitSession({ seeder: true, sessions: 32, maxBlockPeers: 32, maxNeighbours: 16 }))
  t.true(admitSession({ seeder: false, sessions: 31, maxBlockPeers: 2, maxNeighbours: 16 }))
  t.false(admitSession({ seeder: false, sessions: 32, maxBlockPeers: 2, maxNeighbours: 16 }))
})

test('dials fill the neighbour limit, counting dials in progress, skipping ourselves, neighbours and repeats', t => {
  const busy = new Set(['b'])
  const pick = (neighbours: number, dialling: number): string[] => chooseDials(['me', 'a', 'a', 'b', 'c', 'd', 'e'], { localId: 'me', neighbours, dialling, maxNeighbours: 4, busy: id => busy.has(id) })
  t.deepEqual(pick(0, 0), ['a', 'c', 'd', 'e'])
  t.deepEqual(pick(1, 1), ['a', 'c'])
  t.deepEqual(pick(3, 1), [])
})

test('peer samples: at most max, distinct, drawn from the candidates', t => {
  const all = Array.from({ length: 100 }, (_, i) => i)
  const s = samplePeers(all, 32, seededRandom(1))
  t.is(s.length, 32)
  t.is(new Set(s).size, 32)
  t.true(s.every(x => all.includes(x)))
  t.deepEqual(samplePeers([1, 2], 32).sort(), [1, 2])
  t.notDeepEqual(s, all.slice(0, 32), 'not simply the first ones')
})

test('reconnection: fast while short of neighbours, slow once enough, rare when complete', t => {
  t.is(reconnectInterval(MIN_NEIGHBOURS - 1), FAST_RECONNECT_INTERVAL)
  t.is(reconnectInterval(MIN_NEIGHBOURS), DEFAULT_RECONNECT_INTERVAL)
  t.is(reconnectInterval(0, true), COMPLETE_RECONNECT_INTERVAL)
})

test('first-pass start: stable per seeder, inside the image, different for different seeders', t => {
  const a = firstPassStart('12D3KooWA', 640)
  t.is(firstPassStart('12D3KooWA', 640), a)
  t.true(a >= 0 && a < 640)
  const starts = new Set(['s1', 's2', 's3', 's4', 's5'].map(id => firstPassStart(id, 640)))
  t.true(starts.size >= 4)
  t.is(firstPassStart('x', 0), 0)
})

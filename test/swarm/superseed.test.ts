import test from 'ava'
import { BitSet } from '../../src/swarm/bitset.js'
import { createSuperSeeder } from '../../src/swarm/superseed.js'

function harness (n: number, lookahead = 2): { offers: Map<string, number[]>, s: ReturnType<typeof createSuperSeeder>, clock: { t: number } } {
  const offers = new Map<string, number[]>()
  const clock = { t: 0 }
  const s = createSuperSeeder({ blockCount: n, lookahead, starveMs: 1000, now: () => clock.t, offer: (p, i) => { offers.set(p, [...(offers.get(p) ?? []), i]) } })
  return { offers, s, clock }
}

test('first pass: every block is offered to exactly one peer before any is offered twice', t => {
  const { offers, s } = harness(6, 4)
  s.addPeer('a')
  t.deepEqual(offers.get('a'), [0, 1, 2, 3], 'a lone peer gets the whole lookahead')
  s.addPeer('b')
  t.deepEqual(offers.get('b'), [4, 5], 'the lookahead is shared: 4 over 2 peers')
  s.uploaded('a', 0)
  s.uploaded('a', 1)
  s.uploaded('b', 4)
  t.deepEqual(offers.get('a'), [0, 1, 2, 3], 'nothing left that nobody has or is receiving')
  t.deepEqual(offers.get('b'), [4, 5])
  t.deepEqual([...s.sentCounts], [1, 1, 0, 0, 1, 0])
})

test('with many peers each is offered one block at a time', t => {
  const { offers, s } = harness(100, 8)
  for (const p of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']) s.addPeer(p)
  t.is(offers.get('j')?.length, 1)
  s.uploaded('j', (offers.get('j') as number[])[0])
  t.is(offers.get('j')?.length, 2, 'the next block once the first is out')
})

test('a block sent but not yet confirmed is not offered again; one lost with its peer is', t => {
  const { offers, s } = harness(2, 1)
  s.addPeer('a')
  s.addPeer('b')
  s.uploaded('a', 0)
  s.uploaded('b', 1)
  t.deepEqual(offers.get('a'), [0])
  t.deepEqual(offers.get('b'), [1])
  s.remoteHave('b', 1)
  t.deepEqual(offers.get('b'), [1], 'b would need block 0, but a is receiving it')
  s.removePeer('a')
  t.deepEqual(offers.get('b'), [1, 0], 'a left with the only copy of block 0')
})

test('a peer without progress is fed the rarest block it lacks', t => {
  const { offers, s, clock } = harness(3, 1)
  s.addPeer('a')
  s.uploaded('a', 0)
  s.remoteHave('a', 0)
  s.uploaded('a', 1)
  s.remoteHave('a', 1)
  s.uploaded('a', 2)
  s.remoteHave('a', 2)
  s.addPeer('b')
  t.is(offers.get('b'), undefined, 'everything is held by a: b should trade with a')
  const bits = new BitSet(3)
  s.remoteHas('b', bits)
  clock.t = 5000
  s.tick()
  t.is(offers.get('b')?.length, 1, 'starving b gets one block from the seeder')
  t.is(s.sentCounts[0] + s.sentCounts[1] + s.sentCounts[2], 3)
})

test('enforced: a neighbour may be sent only blocks offered to it, or sent and not yet confirmed', t => {
  const { offers, s } = harness(10, 2)
  s.addPeer('a')
  s.addPeer('b')
  const mine = offers.get('a') as number[]
  const theirs = offers.get('b') as number[]
  t.true(mine.every(i => s.mayServe('a', i)))
  t.false(theirs.some(i => s.mayServe('a', i)), 'blocks offered to another neighbour')
  t.false(s.mayServe('a', 9), 'a block never offered')
  t.false(s.mayServe('nobody', mine[0]), 'an unknown neighbour')
  s.uploaded('a', mine[0])
  t.true(s.mayServe('a', mine[0]), 'a re-request before the HAVE')
  s.remoteHave('a', mine[0])
  t.false(s.mayServe('a', mine[0]), 'confirmed: it holds the block')
})

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

function harnessWith (n: number, lookahead: number, extra: { starveMs?: number, patienceMs?: number } = {}): { offers: Map<string, number[]>, s: ReturnType<typeof createSuperSeeder>, clock: { t: number } } {
  const offers = new Map<string, number[]>()
  const clock = { t: 0 }
  const s = createSuperSeeder({ blockCount: n, lookahead, starveMs: 1000, patienceMs: 10_000, ...extra, now: () => clock.t, offer: (p, i) => { offers.set(p, [...(offers.get(p) ?? []), i]) } })
  return { offers, s, clock }
}

test('a silent neighbour\'s offers it never asked for go to others; its late request is refused; nothing is sent twice', t => {
  const { offers, s, clock } = harnessWith(4, 4)
  s.addPeer('paused')
  t.deepEqual(offers.get('paused'), [0, 1, 2, 3])
  t.true(s.requested('paused', 0), 'it asked for block 0 before it paused')
  s.addPeer('b')
  t.is(offers.get('b'), undefined, 'every block is offered to the paused neighbour')
  clock.t = 999
  s.tick()
  t.is(offers.get('b'), undefined, 'not yet: silent for less than starveMs')
  clock.t = 1000
  s.tick()
  t.deepEqual(offers.get('b')?.sort(), [1, 2], 'its unasked offers moved to b (b\'s share of the lookahead)')
  t.is(s.withdrawnOffers, 3)
  t.false(s.mayServe('paused', 1), 'a withdrawn offer may no longer be asked for')
  t.true(s.mayServe('paused', 0), 'the block it asked for may still be on its way')
  for (const i of [1, 2]) { t.true(s.requested('b', i)); s.uploaded('b', i) }
  t.deepEqual(offers.get('b')?.sort(), [1, 2, 3], 'the last withdrawn block goes to b too')
  t.false(s.requested('paused', 3), 'the paused neighbour wakes up and asks: refused')
  s.uploaded('paused', 0)
  s.uploaded('b', 3)
  t.deepEqual([...s.sentCounts], [1, 1, 1, 1])
  t.is(s.firstPassRepeats, 0)
})

test('an offer the neighbour asked for is never withdrawn, however long its transfer takes', t => {
  const { offers, s, clock } = harnessWith(2, 2, { patienceMs: 3600_000 })
  s.addPeer('slow')
  t.true(s.requested('slow', 0))
  t.true(s.requested('slow', 1))
  s.addPeer('b')
  clock.t = 60_000
  s.tick()
  t.is(offers.get('b'), undefined)
  t.is(s.withdrawnOffers, 0)
})

test('a neighbour that trades with others is not fed after starveMs, only after patienceMs and 4× its own pace', t => {
  const { offers, s, clock } = harnessWith(8, 2, { patienceMs: 5000 })
  s.addPeer('a')
  s.addPeer('b')
  const got = new Map<string, number[]>([['a', []], ['b', []]])
  // the first pass: each takes what it is offered until every block is out
  for (let progress = true; progress;) {
    progress = false
    for (const p of ['a', 'b']) {
      for (const i of offers.get(p) ?? []) {
        if (!s.mayServe(p, i) || !s.requested(p, i)) continue
        s.uploaded(p, i)
        s.remoteHave(p, i)
        got.get(p)?.push(i)
        progress = true
      }
    }
  }
  t.deepEqual([...s.sentCounts], [1, 1, 1, 1, 1, 1, 1, 1])
  // b gets one of a's blocks from a every 3 s: a slow but trading host (6 blocks in 9 s: 1.5 s each)
  t.is(got.get('b')?.length, 3)
  for (const i of got.get('b') as number[]) s.remoteHave('a', i) // a completes at once
  for (const [k, i] of (got.get('a') as number[]).slice(0, 3).entries()) { clock.t = 3000 * (k + 1); s.remoteHave('b', i) }
  const before = offers.get('b')?.length
  clock.t = 9000 + 3000
  s.tick()
  t.is(offers.get('b')?.length, before, 'silent 3 s (> starveMs) but it trades: not fed')
  clock.t = 9000 + 5500
  s.tick()
  t.is(offers.get('b')?.length, before, 'patienceMs (5 s) passed, but not 4× its pace (6 s)')
  clock.t = 9000 + 6000
  s.tick()
  t.is(offers.get('b')?.length, (before as number) + 1, 'silent beyond both: fed one block')
  t.is(s.fedBlocks, 1)
  t.is(s.firstPassRepeats, 0)
})

test('while blocks remain unsent, a neighbour that never traded is not fed a block already sent', t => {
  const { offers, s, clock } = harnessWith(3, 1)
  s.addPeer('a')
  s.addPeer('b')
  const [a] = offers.get('a') as number[]
  s.requested('a', a)
  s.uploaded('a', a)
  s.remoteHave('a', a)
  const [b] = offers.get('b') as number[]
  s.requested('b', b)
  clock.t = 5000
  s.tick()
  t.is(s.fedBlocks, 0, 'b\'s asked-for block is still on its way; a holds an offer')
  t.is(s.firstPassRepeats, 0)
})

test('a neighbour that has not traded yet is fed only once the others have traded one block each since, or nobody trades', t => {
  const { offers, s, clock } = harnessWith(4, 1, { starveMs: 5000 })
  for (const p of ['a', 'b', 'c', 'd']) s.addPeer(p)
  // first pass: one block each, straight from the seeder
  const first = new Map<string, number>()
  for (const p of ['a', 'b', 'c', 'd']) {
    const [i] = offers.get(p) as number[]
    s.requested(p, i)
    s.uploaded(p, i)
    s.remoteHave(p, i)
    first.set(p, i)
  }
  t.deepEqual([...s.sentCounts], [1, 1, 1, 1])
  // a, b and c trade slowly (one block each between them); d has not traded yet
  clock.t = 3000
  s.remoteHave('a', first.get('b') as number)
  s.remoteHave('b', first.get('c') as number)
  clock.t = 6000
  s.tick()
  t.is(s.fedBlocks, 0, 'd is silent for 6 s but the others traded only 2 blocks: a slow swarm, not a cut-off peer')
  clock.t = 6500
  s.remoteHave('c', first.get('a') as number)
  s.tick()
  t.is(s.fedBlocks, 1, 'the others got 3 blocks from peers while d got none: d is cut off, fed one')
  t.is(s.firstPassRepeats, 0)
})

test('when nobody trades for starveMs after the first pass, every peer that never traded is fed', t => {
  const { offers, s, clock } = harnessWith(2, 1)
  s.addPeer('a')
  s.addPeer('b')
  for (const p of ['a', 'b']) {
    for (const i of offers.get(p) as number[]) { s.requested(p, i); s.uploaded(p, i); s.remoteHave(p, i) }
  }
  clock.t = 999
  s.tick()
  t.is(s.fedBlocks, 0)
  clock.t = 1000
  s.tick()
  t.is(s.fedBlocks, 2, 'a and b cannot reach each other: both fed')
})

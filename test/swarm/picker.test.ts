import test from 'ava'
import { BitSet } from '../../src/swarm/bitset.js'
import { createPicker } from '../../src/swarm/picker.js'

function bits (n: number, set: number[]): BitSet {
  const b = new BitSet(n)
  for (const i of set) b.set(i)
  return b
}

function seeded (seed: number): () => number {
  let s = seed
  return () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31 }
}

test('rarest-first: after the random start, the block fewest peers hold is chosen', t => {
  const have = bits(10, [0, 1, 2, 3])
  const p = createPicker({ blockCount: 10, have, randomFirst: 4, random: seeded(1) })
  p.addPeer('a', bits(10, [4, 5, 6, 7, 8, 9]))
  p.addPeer('b', bits(10, [4, 5, 6, 7, 8]))
  p.addPeer('c', bits(10, [4, 5, 6, 7]))
  t.is(p.pick('a'), 9, 'only a has 9')
  t.is(p.pick('a'), 8, 'a and b have 8')
  t.true([4, 5, 6, 7].includes(p.pick('a') as number))
  t.is(p.availability(4), 3)
})

test('random-first spreads the first picks of different peers', t => {
  const picks = new Set<number>()
  for (let s = 1; s <= 20; s++) {
    const p = createPicker({ blockCount: 100, random: seeded(s) })
    p.addPeer('seed', bits(100, [...Array(100).keys()]))
    picks.add(p.pick('seed') as number)
  }
  t.true(picks.size >= 10, `20 fresh pickers chose ${picks.size} distinct first blocks`)
})

test('nothing to ask of a peer that lacks everything we need', t => {
  const p = createPicker({ blockCount: 4, have: bits(4, [0]) })
  p.addPeer('a', bits(4, [0]))
  t.is(p.pick('a'), undefined)
  t.is(p.pick('unknown'), undefined)
})

test('a failed request puts the block back; removing a peer lowers availability and frees its requests', t => {
  const p = createPicker({ blockCount: 2, randomFirst: 0 })
  p.addPeer('a', bits(2, [0]))
  t.is(p.pick('a'), 0)
  t.is(p.inFlight('a'), 1)
  t.is(p.pick('a'), undefined, 'no duplicate outside endgame from the same peer')
  p.failed(0, 'a')
  t.is(p.inFlight('a'), 0)
  t.is(p.pick('a'), 0, 'wanted again')
  p.addPeer('b', bits(2, [0, 1]))
  t.is(p.availability(0), 2)
  p.removePeer('a')
  t.is(p.availability(0), 1)
  t.is(p.inFlight('a'), 0)
  t.not(p.pick('b'), undefined)
})

test('endgame: the last blocks are requested from a second peer, and the slower one is cancelled', t => {
  const p = createPicker({ blockCount: 2, have: bits(2, [0]), randomFirst: 0, endgameDuplicates: 2 })
  p.addPeer('a', bits(2, [1]))
  p.addPeer('b', bits(2, [1]))
  p.addPeer('c', bits(2, [1]))
  t.false(p.endgame(), 'not endgame while a missing block is still unrequested')
  t.is(p.pick('a'), 1)
  t.true(p.endgame(), 'endgame once every missing block is in flight')
  t.is(p.pick('b'), 1, 'duplicate request in endgame')
  t.is(p.pick('c'), undefined, 'no more than endgameDuplicates requests per block')
  t.deepEqual(p.received(1, 'b'), ['a'])
  t.true(p.complete())
  t.is(p.inFlight('a'), 0)
})

test('with 100k blocks and 64 peers, every pick is a block that peer holds, this host lacks, and nobody else was asked for', t => {
  const n = 100_000
  const have = new BitSet(n)
  for (let i = 0; i < n; i += 7) have.set(i)
  const p = createPicker({ blockCount: n, have, random: seeded(3) })
  const peers: BitSet[] = []
  for (let k = 0; k < 64; k++) {
    const b = new BitSet(n)
    for (let i = k % 3; i < n; i += 3) b.set(i)
    peers.push(b)
    p.addPeer(`p${k}`, b)
  }
  const asked = new Set<number>()
  for (let r = 0; r < 2000; r++) {
    const k = r % 64
    const i = p.pick(`p${k}`)
    if (i === undefined) { t.fail(`no pick for p${k}`); return }
    if (!peers[k].get(i) || have.get(i) || asked.has(i)) { t.fail(`p${k} was asked for block ${i}`); return }
    asked.add(i)
  }
  t.is(asked.size, 2000)
  t.is(p.inFlight('p0'), Math.ceil(2000 / 64))
  t.false(p.endgame())
})

test('bitset: union sets the other set\'s bits and counts only the new ones; fromBytes counts and rejects spare bits', t => {
  const a = new BitSet(13)
  a.set(0); a.set(12)
  const b = new BitSet(13)
  b.set(0); b.set(5); b.set(9); b.set(12)
  t.is(a.union(b), 2)
  t.is(a.count(), 4)
  t.deepEqual([...Array(13).keys()].filter(i => a.get(i)), [0, 5, 9, 12])
  t.is(a.union(b), 0)
  t.throws(() => a.union(new BitSet(14)), { instanceOf: RangeError })
  const c = BitSet.fromBytes(13, a.toBytes())
  t.is(c.count(), 4)
  t.true(c.get(12) && !c.get(11))
  t.throws(() => BitSet.fromBytes(13, Uint8Array.from([0, 0x01])), { message: /spare bits/ })
  t.false(BitSet.fromBytes(16, Uint8Array.from([0xff, 0xff])).set(15), 'a full byte is counted: nothing left to set')
  t.true(BitSet.fromBytes(16, Uint8Array.from([0xff, 0xff])).full())
})

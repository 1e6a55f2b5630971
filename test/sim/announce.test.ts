/**
 * The announcement simulator (bench/sim/announce.ts) on a small region: every
 * peer learns the new image through gossip, and — with gossip delivering
 * nothing past the seeder's links — through neighbours' catalogue pulls alone.
 */
import test from 'ava'
import { announceLatency } from '../../bench/sim/announce.js'

test('200 hosts: gossip reaches everyone, even when the seeder\'s publish reaches one of its links', t => {
  for (const reach of [1, 0.125]) {
    const r = announceLatency({ hosts: 200, reach, seed: 3 })
    t.is(r.unreached, 0)
    t.is(r.byGossip + r.byIhave + r.byPull, 200)
  }
})

test('200 hosts, no gossip forwarding: neighbours\' catalogue pulls alone reach everyone', t => {
  const r = announceLatency({ hosts: 200, gossip: false, seed: 3 })
  t.is(r.unreached, 0)
  t.true(r.byPull >= 190, `${r.byPull} learned by pull`)
})

import test from 'ava'
import { runRegion } from '../../bench/sim/region.js'
import { gossipLatency } from '../../bench/sim/gossip.js'

const MiB = 1024 * 1024

test('a small simulated region: every host gets every block, the seeder keeps to max_block_peers and sends each block once', t => {
  const r = runRegion({ hosts: 60, rate: 100e6 / 8, originRate: 100e6 / 8, sizeBytes: 32 * MiB, blockSize: MiB, maxBlockPeers: 8, seed: 3 })
  t.true(r.allComplete)
  t.true(r.hostSeconds.every(Number.isFinite))
  t.true(r.seederPeakSessions <= 8, `seeder held ${r.seederPeakSessions} sessions`)
  t.is(r.firstPassRepeats, 0)
  t.true(r.lastSeconds >= r.boundSeconds, 'nobody beats the lower bound')
  t.true(r.originEgressOverSize >= 1)
})

test('a simulated region with slow hosts and churn still completes', t => {
  const r = runRegion({ hosts: 40, rate: 100e6 / 8, originRate: 100e6 / 8, sizeBytes: 16 * MiB, blockSize: MiB, slowFraction: 0.25, slowRate: 25e6 / 8, churn: 0.1, churnDowntime: 1, maxBlockPeers: 6, seed: 5 })
  t.true(r.allComplete)
  t.true(r.seederPeakSessions <= 6)
  t.is(r.firstPassRepeats, 0)
})

test('announcements reach every peer of a simulated region', t => {
  const g = gossipLatency({ hosts: 2000, latency: 0.0005, seed: 2 })
  t.true(Number.isFinite(g.last))
  t.is(g.byGossip + g.byIhave + g.byPull, 2000)
})

/**
 * A peer's gossip connections stay bounded: peers that dial it beyond
 * 2 × gossip_neighbours are closed when they carry only gossip (real libp2p
 * nodes on loopback, in one process).
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { createNode } from '../../src/net/node.js'
import { startLinks } from '../../src/roles/links.js'
import type { Subscriber } from '../../src/distribute/subscriber.js'
import { createLogger } from '../../src/log.js'

test('beyond 2 × gossip_neighbours, gossip-only connections are closed', async t => {
  const swarmKey = randomBytes(32)
  const nodes = await Promise.all(Array.from({ length: 6 }, async () => await createNode({ swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'] })))
  t.teardown(async () => { for (const n of nodes) await n.stop() })
  const [hub, ...others] = nodes
  const subscriber: Subscriber = {
    pull: async () => ({ peers: [], link: false, newer: 0 }),
    lastHeard: () => Date.now(),
    catalogueSeq: () => 1,
    counters: () => ({ accepted: { gossip: 0, neighbour: 0, seeder: 0 }, stale: 0, refused: 0, pullsSent: 0, pullsFailed: 0, pullsAnswered: 0 }),
    stop: async () => {}
  }
  // (libp2p refuses a 6th inbound connection from one address within a second)
  for (const o of others) await o.dial(hub.getMultiaddrs()[0])
  const connected = (): number => new Set(hub.getConnections().map(c => c.remotePeer.toString())).size
  for (let i = 0; i < 50 && connected() < 5; i++) await new Promise(resolve => setTimeout(resolve, 100))
  t.is(connected(), 5)
  const links = startLinks({ node: hub, log: createLogger('test'), subscriber }, [], { neighbours: 1, pullInterval: 500 })
  t.teardown(() => { links.stop() })
  const until = Date.now() + 10_000
  while (Date.now() < until && links.status().neighbours > 2) await new Promise(resolve => setTimeout(resolve, 100))
  t.true(links.status().neighbours <= 2, `${links.status().neighbours} peers connected, bound 2`)
  t.is(links.status().trimmed, 3)
})

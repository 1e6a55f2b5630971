/**
 * The direct catalogue request between two real libp2p nodes on loopback
 * (in one process): the reply arrives whole, every time (the 1.0.0 protocol
 * could lose it), and a node without the protocol is an error, not a hang.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { createNode } from '../../src/net/node.js'
import type { PrecacheNode } from '../../src/net/node.js'
import { createAnnouncer } from '../../src/distribute/announcer.js'
import { createSubscriber } from '../../src/distribute/subscriber.js'
import type { Announcement } from '../../src/distribute/announcement.js'
import { createLogger } from '../../src/log.js'

const meta = (imageId: string): any => ({
  imageId,
  manifestId: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  size: 123,
  blockSize: 1048576,
  sha256: 'c'.repeat(64),
  seeders: [{ peerId: '12D3KooWAfW2jWt4AGETVDVynNkfDxwgUdDgkeAt3SwpomLjCMeC', addrs: ['/ip4/127.0.0.1/tcp/4001'] }]
})

async function pair (t: any): Promise<{ seeder: PrecacheNode, peer: PrecacheNode }> {
  const swarmKey = randomBytes(32)
  const seeder = await createNode({ swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const peer = await createNode({ swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'] })
  t.teardown(async () => { await peer.stop(); await seeder.stop() })
  return { seeder, peer }
}

test('a peer asks a trusted seeder for its catalogue and gets all of it, every time', async t => {
  const { seeder, peer } = await pair(t)
  const log = createLogger('test')
  const announcer = await createAnnouncer({ node: seeder, log }, { topic: 'compute', interval: 60_000 })
  t.teardown(async () => { await announcer.stop() })
  for (let i = 0; i < 40; i++) await announcer.cache(meta(`image-${i}`))

  const got: Announcement[] = []
  const subscriber = createSubscriber({ node: peer, log }, { topic: 'compute', trusted: [seeder.peerId.toString()], onAnnouncement: a => { got.push(a) } })
  t.teardown(() => { subscriber.stop() })
  await peer.dial(seeder.getMultiaddrs()[0])
  for (let round = 0; round < 5; round++) {
    got.length = 0
    await subscriber.requestCatalogue(seeder.peerId)
    const catalogues = got.filter(a => a.type === 'catalogue')
    t.is(catalogues.length, 1, `round ${round}: one catalogue per request`)
    const c = catalogues[0]
    t.deepEqual(c.type === 'catalogue' ? c.images.map(m => m.imageId).sort() : [], Array.from({ length: 40 }, (_, i) => `image-${i}`).sort())
  }
})

test('a catalogue request to a node that does not serve catalogues fails, and at once', async t => {
  const { seeder, peer } = await pair(t)
  const log = createLogger('test')
  const subscriber = createSubscriber({ node: peer, log }, { topic: 'compute', trusted: [], onAnnouncement: () => { t.fail('no announcement expected') } })
  t.teardown(() => { subscriber.stop() })
  await peer.dial(seeder.getMultiaddrs()[0])
  const started = Date.now()
  await t.throwsAsync(subscriber.requestCatalogue(seeder.peerId, AbortSignal.timeout(2000)))
  t.true(Date.now() - started < 5000, 'gave up in time')
})

/**
 * Catalogue pulls between real libp2p nodes on loopback (in one process): a
 * peer gets a seeder's whole signed catalogue every time; a second peer with
 * no connection to the seeder gets it from the first (relayed); and a relay
 * that serves a forged, untrusted or replayed catalogue gets it refused —
 * nothing is applied, so nothing can be withdrawn.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { createNode } from '../../src/net/node.js'
import type { PrecacheNode } from '../../src/net/node.js'
import { createAnnouncer } from '../../src/distribute/announcer.js'
import { createSubscriber } from '../../src/distribute/subscriber.js'
import type { Announcement } from '../../src/distribute/announcement.js'
import { signAnnouncement } from '../../src/distribute/signed.js'
import { servePulls } from '../../src/distribute/catalogue-pull.js'
import { createLogger } from '../../src/log.js'
import { meta } from './fixtures.js'

const log = createLogger('test')

async function nodes (t: any, n: number): Promise<Array<{ node: PrecacheNode, key: PrivateKey }>> {
  const swarmKey = randomBytes(32)
  const out = await Promise.all(Array.from({ length: n }, async () => {
    const key = await generateKeyPair('Ed25519')
    return { key, node: await createNode({ swarmKey, privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'] }) }
  }))
  t.teardown(async () => { for (const { node } of out) await node.stop() })
  return out
}

test('a peer pulls a seeder\'s whole catalogue, and a second peer that never connects to the seeder gets it from the first', async t => {
  const [s, a, b] = await nodes(t, 3)
  const announcer = await createAnnouncer({ node: s.node, log, privateKey: s.key }, { topic: 'compute', interval: 60_000 })
  t.teardown(async () => { await announcer.stop() })
  for (let i = 0; i < 40; i++) await announcer.cache(meta(`image-${i}`))
  announcer.settle(7, true)

  const trusted = [s.node.peerId.toString()]
  const got: Record<string, Announcement[]> = { a: [], b: [] }
  const subA = await createSubscriber({ node: a.node, log }, { topic: 'other-a', trusted, onAnnouncement: x => { got.a.push(x) } })
  const subB = await createSubscriber({ node: b.node, log }, { topic: 'other-b', trusted, onAnnouncement: x => { got.b.push(x) } })
  t.teardown(async () => { await subA.stop(); await subB.stop() })

  const first = await subA.pull(s.node.getMultiaddrs()[0], 'seeder')
  t.is(first.newer, 1)
  t.true(first.link, 'the first peer to ask is made a gossip link')
  const c = got.a[0]
  t.is(c?.type, 'catalogue')
  t.deepEqual(c?.type === 'catalogue' ? [c.images.length, c.generation, c.complete] : [], [40, 7, true])
  // again: nothing newer, nothing applied twice
  t.is((await subA.pull(s.node.peerId, 'seeder')).newer, 0)
  t.is(got.a.length, 1)

  const relayed = await subB.pull(a.node.getMultiaddrs()[0], 'neighbour')
  t.is(relayed.newer, 1)
  t.false(relayed.link, 'only a seeder keeps links')
  t.deepEqual(got.b, got.a, 'the relayed catalogue is the seeder\'s, signature checked')
  t.is(b.node.getConnections(s.node.peerId).length, 0, 'the second peer never connected to the seeder')
  t.is(subB.counters().accepted.neighbour, 1)

  // a change on the seeder reaches b through a again
  await announcer.cache(meta('image-new'))
  await subA.pull(s.node.peerId, 'seeder')
  t.is((await subB.pull(a.node.peerId, 'neighbour')).newer, 1)
  const last = got.b.at(-1)
  t.true(last?.type === 'catalogue' && last.images.some(m => m.imageId === 'image-new'))
})

test('a relay cannot make a peer apply a forged, untrusted or replayed catalogue (nothing applied, so nothing withdrawn)', async t => {
  const [relay, victim] = await nodes(t, 2)
  const seederKey = await generateKeyPair('Ed25519')
  const seederId = peerIdFromPrivateKey(seederKey).toString()
  const otherKey = await generateKeyPair('Ed25519')
  const cat = (seq: number, generation: number, images: string[]): Announcement => ({ type: 'catalogue', seq, generation, complete: true, images: images.map(meta) })
  const fresh = await signAnnouncement(seederKey, seederId, cat(2000, 20, ['a', 'b']))
  const old = await signAnnouncement(seederKey, seederId, cat(1000, 10, []))
  // an image id changed after signing (still a well-formed catalogue)
  const forged = Buffer.from(fresh)
  forged[forged.indexOf('"imageId":"b"') + 11] = 'z'.charCodeAt(0)
  const untrusted = await signAnnouncement(otherKey, peerIdFromPrivateKey(otherKey).toString(), cat(3000, 30, []))
  // claims the seeder as signer but is signed by another key
  const impostor = await signAnnouncement(otherKey, seederId, cat(3000, 30, []))

  let serve: Uint8Array = fresh
  const stop = await servePulls(relay.node, { newest: () => serve, peers: async () => [] })
  t.teardown(stop)
  const applied: Announcement[] = []
  const sub = await createSubscriber({ node: victim.node, log }, { topic: 'x', trusted: [seederId], onAnnouncement: a => { applied.push(a) } })
  t.teardown(async () => { await sub.stop() })
  const pull = async (): Promise<number> => (await sub.pull(relay.node.getMultiaddrs()[0], 'neighbour')).newer

  t.is(await pull(), 1, 'the genuine catalogue is applied')
  for (const [what, bytes] of [['forged', forged], ['untrusted', untrusted], ['impostor', impostor], ['replayed older', old], ['repeated', fresh]] as const) {
    serve = bytes
    t.is(await pull(), 0, `${what}: not applied`)
  }
  t.is(applied.length, 1, 'only the genuine catalogue reached the peer')
  const c = sub.counters()
  t.is(c.refused, 3, 'forged, untrusted and impostor refused')
  t.is(c.stale, 2, 'the replay and the repeat are stale')
})

/**
 * Two torrents joined by an in-memory stream pair (no network, no libp2p
 * node): the seeder side super-seeds from a source store, the peer side
 * fetches every block into a partial store through two real sessions.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import { buildManifest, encodeManifest, manifestCid } from '../../src/image/manifest.js'
import { openPartialStore, openSourceStore } from '../../src/swarm/store.js'
import type { BlockStore } from '../../src/swarm/store.js'
import { createTorrent } from '../../src/swarm/torrent.js'
import type { Torrent } from '../../src/swarm/torrent.js'
import { readMessages, writeMessage } from '../../src/swarm/stream-io.js'
import { createTokenBucket } from '../../src/util/token-bucket.js'
import type { Logger } from '../../src/log.js'

const BS = 16 * 1024

const quiet = (): Logger => {
  const log = (() => {}) as unknown as Logger
  log.debug = () => {}
  log.warn = () => {}
  log.error = () => {}
  log.child = () => quiet()
  return log
}

function torrent (store: BlockStore, manifestId: string, manifestBytes: Uint8Array, superSeed: boolean, localId: string): Torrent {
  return createTorrent({
    manifestId,
    manifestBytes,
    signature: new Uint8Array(64),
    store,
    superSeed,
    requestsPerPeer: 8,
    requestTimeout: 30_000,
    upload: createTokenBucket({ rate: 0 }),
    download: createTokenBucket({ rate: 0 }),
    log: quiet(),
    localId,
    onPeers: () => {}
  })
}

test('a peer gets every block from a super-seeding seeder over two in-memory stream ends, verified and byte-identical', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-torrent-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const image = randomBytes(20 * BS + 999)
  await writeFile(join(dir, 'image'), image)
  const m = await buildManifest('img', join(dir, 'image'), BS)
  const bytes = encodeManifest(m)
  const id = (await manifestCid(bytes)).toString()
  const seederStore = await openSourceStore(join(dir, 'image'), m)
  const peerStore = await openPartialStore(join(dir, 'staging'), id, m, 10)
  const seeder = torrent(seederStore, id, bytes, true, 'seeder')
  const peer = torrent(peerStore, id, bytes, false, 'peer')
  t.teardown(() => { seeder.stop(); peer.stop() })

  const [a, b] = await streamPair()
  seeder.attach(a, readMessages(a)[Symbol.asyncIterator](), 'peer', { outbound: false, peers: [] })
  peer.attach(b, readMessages(b)[Symbol.asyncIterator](), 'seeder', { outbound: true, peers: [] })
  t.deepEqual(seeder.neighbours, ['peer'])
  t.deepEqual(peer.neighbours, ['seeder'])

  await Promise.race([peer.complete, new Promise((_resolve, reject) => setTimeout(() => { reject(new Error('no complete image within 60 s')) }, 60_000))])
  t.true(peerStore.have.full())
  await peerStore.verifyWhole()
  t.deepEqual(await readFile(peerStore.partPath), image)
  t.is(peer.ledger.totalReceived, image.length, 'every byte came once')
  t.is(seeder.ledger.totalSent, image.length, 'the seeder sent each block once')
  await peerStore.close()
  await seederStore.close()
})

test('a session drops a neighbour that keeps sending blocks with the wrong hash, and stores none of them', async t => {
  t.timeout(60_000, 'the liar was never dropped')
  const dir = await mkdtemp(join(tmpdir(), 'pc-torrent-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const image = randomBytes(8 * BS)
  await writeFile(join(dir, 'image'), image)
  const m = await buildManifest('img', join(dir, 'image'), BS)
  const bytes = encodeManifest(m)
  const id = (await manifestCid(bytes)).toString()
  const peerStore = await openPartialStore(join(dir, 'staging'), id, m, 10)
  const peer = torrent(peerStore, id, bytes, false, 'peer')
  t.teardown(() => { peer.stop() })

  const [liar, b] = await streamPair()
  peer.attach(b, readMessages(b)[Symbol.asyncIterator](), 'liar', { outbound: true, peers: [] })
  // the other end is scripted: it claims every block and answers each request with garbage
  const all = new Uint8Array(1).fill(0xff)
  await writeMessage(liar, { type: 'bitfield', count: 8, bits: all })
  let requests = 0
  for await (const msg of readMessages(liar)) {
    if (msg.type !== 'request') continue
    requests++
    await writeMessage(liar, { type: 'block', index: msg.index, data: randomBytes(BS) }).catch(() => {})
  }
  t.true(requests >= 1, 'the peer asked for blocks')
  t.is(peerStore.have.count(), 0, 'no garbage block was stored')
  t.deepEqual(peer.neighbours, [], 'the liar was dropped')
  await peerStore.close()
})

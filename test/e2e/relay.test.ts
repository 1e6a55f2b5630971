/**
 * Announcements without a connection to the seeder, with real processes: a
 * seeder that keeps one gossip link, one block session per image, and closes
 * idle connections after 1 s; six peers. Once the first image is everywhere, most peers hold no
 * connection to the seeder; a new image still reaches every peer (through the
 * gossip mesh or a neighbour's catalogue) and gets cached — read from the
 * status files, never from the logs.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { newCluster, waitCached, waitFor } from './helpers.js'

const KiB = 1024

test('six peers, one gossip link: most peers learn a new image and get its manifest with no connection to the seeder, and all cache it', async t => {
  const c = await newCluster('relay', {
    seederArgs: ['--gossip-links', '1', '--max-block-peers', '1', '--idle-close', '1s', '--interval', '1s', '--block-size', '64KiB'],
    peerArgs: ['--gossip-neighbours', '3', '--catalogue-pull-interval', '1s', '--report-interval', '10m']
  })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'first'), 256 * KiB)
  await c.startSeeder()
  const peers = await Promise.all([1, 2, 3, 4, 5, 6].map(async i => await c.startPeer(i)))
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'first', 180_000) }))

  // the seeder keeps its one link and (complete peers stay in touch) one block
  // session per image; every other connection to it goes idle and is closed
  const apart = async (): Promise<number> => {
    const s = await Promise.all(peers.map(async p => await c.peerStatus(p)))
    return s.filter(x => x?.seeders[0]?.connected === false && (x.relay?.neighbours ?? 0) >= 1).length
  }
  await waitFor('four peers with neighbours and no connection to the seeder', async () => (await apart()) >= 4, 120_000)

  const manifests = async (): Promise<{ fromPeers: number, fromSeeders: number }> => {
    const all = await Promise.all(peers.map(async p => (await c.peerStatus(p))?.relay?.manifests))
    return { fromPeers: all.reduce((n, m) => n + (m?.fromPeers ?? 0), 0), fromSeeders: all.reduce((n, m) => n + (m?.fromSeeders ?? 0), 0) }
  }
  const before = await manifests()
  const sha = await writeRandomImage(join(c.imagesDir, 'second'), 512 * KiB)
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'second', 180_000) }))
  for (const p of peers) t.is(await sha256File(join(p.cacheDir, 'second')), sha, `${p.child.name} holds the exact bytes`)

  const seeder = await c.seederStatus()
  const announced = seeder?.images.find(i => i.imageId === 'second')?.since.announced
  if (seeder?.relay == null || announced == null) throw new Error('the seeder status has no relay section or no announcement time')
  t.true(seeder.relay.links <= 1, `seeder gossip links ${seeder.relay.links} ≤ 1`)
  const learned = await Promise.all(peers.map(async p => (await c.peerStatus(p))?.relay?.learned.second))
  const rows = learned.map((l, i) => `${peers[i].child.name}: ${l == null ? 'not recorded' : `${l.via}, ${l.at - announced} ms after the announcement, seeder connected: ${String(l.seederConnected)}`}`)
  t.log(rows.join('\n'))
  t.log(`seeder: ${seeder.relay.links} link(s), ${seeder.relay.pullsAnswered} pulls answered, peak ${seeder.relay.peakConnections} connections, ${seeder.relay.idleClosed} idle ones closed`)
  t.true(learned.every(l => l != null), 'every peer recorded how it learned the image')
  const apartWhenLearned = learned.filter(l => l?.seederConnected === false).length
  t.true(apartWhenLearned >= 3, `${apartWhenLearned} of 6 peers learned the image with no connection to the seeder`)
  t.true(learned.some(l => l?.via !== 'seeder'), 'relayed by peers, not only by the seeder')
  await new Promise(resolve => setTimeout(resolve, 1500)) // the status files catch up
  const after = await manifests()
  const fromPeers = after.fromPeers - before.fromPeers
  const fromSeeders = after.fromSeeders - before.fromSeeders
  t.log(`manifest of the new image: ${fromPeers} peers got it from a neighbour, ${fromSeeders} from the seeder`)
  t.is(fromPeers + fromSeeders, 6, 'every peer fetched the manifest once')
  t.true(fromPeers >= 1, 'peers without a seeder connection got the manifest from neighbours')
})

/**
 * Fault suite, hostile swarm members (issue 11): a client holding the swarm
 * key opens 64 block streams at once — idle ones, ones that send the largest
 * length prefix the old decoder allowed, requests for blocks it was never
 * offered — while an honest peer downloads. Real processes on loopback.
 */
import test from 'ava'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { manifestCid } from '../../src/image/manifest.js'
import { imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { closedWithin, createHostileClient, send, varint } from './hostile-client.js'
import { LONG } from './helpers.js'
import { publish, record } from './table.js'

const MiB = 1024 * 1024

async function rssMiB (pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1]) / 1024
}

test.after.always(() => { publish('3-hostile') })

test('hostile streams: 64 at once, bounded memory, super-seeding enforced, the attacker banned, an honest peer unharmed', async t => {
  const c = await newCluster('hostile')
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 32 * MiB
  const sha = await writeRandomImage(join(c.imagesDir, 'img-h'), size)
  const seeder = await c.startSeeder()
  const statusFile = join(c.dir, 'seeder', 'status.json')
  await waitFor('the seeder to serve img-h', async () => (await c.seederStatus())?.images?.some((i: any) => i.imageId === 'img-h'))
  const manifestId = (await manifestCid(new Uint8Array(await readFile(join(c.dir, 'seeder', 'state', 'manifests', 'img-h.manifest'))))).bytes
  const pid = seeder.proc.pid as number
  // baseline: the seeder after it has served the image once
  const first = await c.startPeer(1)
  await waitCached(c, first, 'img-h', LONG)
  await new Promise(resolve => setTimeout(resolve, 2000))
  const baseline = await rssMiB(pid)
  let peak = baseline
  const sampler = setInterval(() => { void rssMiB(pid).then(r => { peak = Math.max(peak, r) }, () => {}) }, 100)
  t.teardown(() => { clearInterval(sampler) })

  const hostile = await createHostileClient(c.swarmKey, c.seederAddr)
  t.teardown(async () => { await hostile.stop() })
  const honest = await c.startPeer(2)

  // 1. super-seeding: ask for every block on one session, offered or not
  const s = await hostile.session(manifestId)
  await waitFor('the seeder to answer HELLO', async () => s.received.length > 0, 30_000)
  // 2. 63 more streams (64 in all, the most one peer may hold), idle: none may outlive the first-message deadline (10 s)
  const idle = await hostile.open(63)
  const over = await hostile.open(1)
  const overClosed = over.length === 0 || await closedWithin(over[0], 5000)
  for (let i = 0; i < size / MiB; i++) send(s.stream, { type: 'request', index: i })
  const idleClosed = (await Promise.all(idle.map(async st => await closedWithin(st, 30_000)))).filter(Boolean).length
  const offered = new Set(s.received.filter(m => m.type === 'have').map(m => (m as any).index))
  const blocks = s.received.filter(m => m.type === 'block').map(m => (m as any).index as number)
  const unoffered = blocks.filter(i => !offered.has(i))
  const seederStatus = await c.seederStatus()
  const refused = seederStatus?.images?.find((i: any) => i.imageId === 'img-h')?.refusedRequests ?? 0
  s.stream.abort(new Error('done'))

  // 3. 64 streams each sending the largest length prefix the old decoder took (33,620,483) and junk after it
  const junk = new Uint8Array(MiB).fill(0xee)
  const big = await hostile.open(64)
  for (const st of big) { st.send(varint(33_620_483)); for (let k = 0; k < 4; k++) st.send(junk) }
  const bigClosed = (await Promise.all(big.map(async st => await closedWithin(st, 30_000)))).filter(Boolean).length
  const hostileId = hostile.node.peerId.toString()
  const ban = await waitFor('the seeder to ban the hostile client', async () => (await c.seederStatus())?.bans?.find((b: any) => b.peerId === hostileId && b.bannedUntil > Date.now()), 30_000).catch(() => undefined)
  const again = await hostile.open(1)
  const peakDuring = peak
  await hostile.stop()

  await waitCached(c, honest, 'img-h', LONG)
  const honestSha = await sha256File(join(honest.cacheDir, 'img-h'))
  const honestSeconds = (await imageStatus(c, honest, 'img-h'))?.seconds
  await new Promise(resolve => setTimeout(resolve, 5000))
  const after = await rssMiB(pid)
  clearInterval(sampler)

  const rows = [
    record(t, { scenario: 'idle block streams (63 + 1 session)', expectation: 'all reset by the 10 s first-message deadline; a 65th refused', observed: `${idleClosed}/${idle.length} closed within 30 s; 65th stream refused: ${overClosed}`, pass: idle.length === 63 && idleClosed === idle.length && overClosed }),
    record(t, { scenario: 'requests for blocks never offered', expectation: 'only offered blocks served (super-seeding enforced)', observed: `asked ${size / MiB}, served ${blocks.length} (${unoffered.length} not offered), refused ${refused}`, pass: unoffered.length === 0 && refused > 0 }),
    record(t, { scenario: '33,620,483-byte length prefix on 64 streams', expectation: 'each reset at its first bytes; sender banned', observed: `${bigClosed}/${big.length} reset within 30 s; banned=${ban != null}${ban != null ? ` for ${Math.round((ban.bannedUntil - Date.now()) / 1000)} s` : ''}; new streams after the ban: ${again.length}`, pass: bigClosed === big.length && ban != null && again.length === 0 }),
    record(t, { scenario: 'seeder memory under the attack', expectation: 'RSS <= 250 MB; within 20% of baseline after', observed: `baseline ${baseline.toFixed(0)} MiB, peak ${peakDuring.toFixed(0)} MiB, 5 s after ${after.toFixed(0)} MiB`, pass: peakDuring <= 250 && after <= baseline * 1.2 }),
    record(t, { scenario: 'honest peer during the attack', expectation: 'byte-identical copy', observed: `cached ${size / MiB} MiB in ${Number(honestSeconds).toFixed(1)} s, sha ${honestSha === sha ? 'matches' : 'DIFFERS'}`, pass: honestSha === sha })
  ]
  t.true(rows.every(Boolean))
})

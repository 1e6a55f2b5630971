/**
 * Issue 10, item 4 (real processes): one state store per peer, written
 * atomically by one writer. Five images finishing at once leave a valid
 * record; a peer killed with SIGKILL while images are being placed and
 * recorded restarts with a valid record and places nothing twice.
 */
import test from 'ava'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256File, writeRandomImage } from '../../src/demo/image.js'
import { imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { mark, sameFile } from './helpers.js'

const MiB = 1024 * 1024
const IDS = ['i1', 'i2', 'i3', 'i4', 'i5']

async function stateFile (dir: string): Promise<any> {
  return JSON.parse(await readFile(join(dir, 'state', 'peer', 'state.json'), 'utf8'))
}

test('five images finishing at once, then SIGKILL while images are placed: the state is intact and a restart places nothing twice', async t => {
  const c = await newCluster('state')
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const sha = new Map<string, string>()
  for (const id of IDS) sha.set(id, await writeRandomImage(join(c.imagesDir, id), 4 * MiB))
  await c.startSeeder()
  const first = await c.startPeer(1)
  for (const id of IDS) await waitCached(c, first, id)
  const s1 = await stateFile(first.dir)
  t.deepEqual(Object.keys(s1.images).sort(), IDS, 'all five are recorded')
  t.true(Object.values<any>(s1.images).every(r => r.state === 'placed'))

  // a second host, killed the moment the first of its images is in place
  const p = await c.startPeer(2)
  await waitFor('the first image to be placed', async () => {
    const placed = (await readdir(p.cacheDir).catch((): string[] => [])).filter(f => IDS.includes(f))
    return placed.length > 0
  }, 120_000)
  p.child.proc.kill('SIGKILL')
  await p.child.exited
  const placedBefore = (await readdir(p.cacheDir)).filter(f => IDS.includes(f))
  for (const id of placedBefore) await mark(join(p.cacheDir, id), join(p.dir, 'marks'), id)
  const text = await readFile(join(p.dir, 'state', 'peer', 'state.json'), 'utf8').catch(() => undefined)
  if (text != null) t.notThrows(() => JSON.parse(text), 'the state file is one valid JSON document')
  t.log(`killed with ${placedBefore.length} of 5 in place`)

  await rm(p.statusFile, { force: true })
  const again = await c.startPeer(2)
  for (const id of IDS) await waitCached(c, again, id)
  for (const id of placedBefore) t.true(await sameFile(join(again.cacheDir, id), join(again.dir, 'marks'), id), `${id} was not placed a second time`)
  for (const id of IDS) t.is(await sha256File(join(again.cacheDir, id)), sha.get(id) ?? '')
  const s2 = await stateFile(again.dir)
  t.deepEqual(Object.keys(s2.images).sort(), IDS)
  t.deepEqual(s2.downloads, {}, 'no download left recorded')
  const staged = await readdir(join(again.cacheDir, '.precache'))
  t.deepEqual(staged.filter(f => f.endsWith('.part') || f.endsWith('.progress') || f.endsWith('.tmp')), [], 'no partial or temp file left')
  for (const id of placedBefore) t.is((await imageStatus(c, again, id))?.receivedBytes ?? 0, 0, `${id} was not downloaded again`)
})

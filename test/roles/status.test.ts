import test from 'ava'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseStatus, readPeerStatus, readSeederStatus, startStatusFile, StatusFormatError } from '../../src/roles/status.js'
import type { SeederStatus } from '../../src/roles/status.js'

const seeder: SeederStatus = {
  role: 'seeder',
  peerId: 'p',
  data: { encryption: 'tls', port: 0, mismatched: [], fallbacks: [] },
  sentBytes: 0,
  subscribers: 2,
  catalogue: { generation: 1, complete: true },
  images: [{ imageId: 'a', state: 'announced', since: { announced: 5 }, sentBytes: 0, neighbours: 0, peakNeighbours: 0, turnedAway: 0, blocksSent: 0, firstPassRepeats: 0 }]
}

test('the status file round-trips through the writer and the typed readers', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-status-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'status.json')
  t.is(await readSeederStatus(file), undefined, 'no file yet')
  const stop = startStatusFile(file, () => seeder, 50)
  await stop()
  t.deepEqual(await readSeederStatus(file), seeder)
  await t.throwsAsync(readPeerStatus(file), { instanceOf: StatusFormatError }, 'a seeder file is not a peer status')
  t.deepEqual(await readdir(dir), ['status.json'], 'no temporary file left')
})

test('anything that is not a status file is a StatusFormatError', async t => {
  for (const text of ['', 'nope', '[]', '{"role":"x","images":[]}', '{"role":"peer"}']) {
    t.throws(() => parseStatus(text), { instanceOf: StatusFormatError }, text)
  }
  const dir = await mkdtemp(join(tmpdir(), 'pc-status-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 's'), '{"role":"peer","images":[]}')
  t.is((await readPeerStatus(join(dir, 's')))?.role, 'peer')
})

test('an unchanged snapshot is not rewritten; a change is written at the next check', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-status-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'status.json')
  let snap: SeederStatus = seeder
  let calls = 0
  const stop = startStatusFile(file, () => { calls++; return snap }, 20)
  await new Promise(resolve => setTimeout(resolve, 100))
  await rm(file)
  await new Promise(resolve => setTimeout(resolve, 100))
  t.true(calls >= 3, 'the snapshot is checked every interval')
  t.is(await readSeederStatus(file), undefined, 'the same content is not written again')
  snap = { ...seeder, sentBytes: 5 }
  await new Promise(resolve => setTimeout(resolve, 100))
  t.is((await readSeederStatus(file))?.sentBytes, 5, 'a change is written')
  await stop()
})

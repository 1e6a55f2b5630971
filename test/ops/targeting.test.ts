/**
 * Host targeting and reacting at once, with a real seeder and two real peers:
 * an image aimed at `aggregate=gpu` reaches only the labelled peer; SIGHUP
 * makes the seeder list a new image at once (its interval is 10 minutes); a
 * rule that no longer selects a host makes that host drop the image.
 */
import test from 'ava'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeRandomImage } from '../../src/demo/image.js'
import { formatTable } from '../../src/cli/list.js'
import { parseTargetRules } from '../../src/distribute/selector.js'
import { exists, imageStatus, newCluster, waitCached, waitFor } from '../e2e/helpers.js'

test('precache list shows where each image is aimed', t => {
  const rules = parseTargetRules('gpu-*: aggregate=gpu; win: os=windows')
  const table = formatTable([{ id: 'gpu-1', size: 1024 }, { id: 'x', name: 'win' }, { id: 'y', selector: 'az=a' }, { id: 'z' }], rules)
  const hosts = table.trim().split('\n').map(l => l.split(/\s{2,}/).at(-1))
  t.deepEqual(hosts, ['HOSTS', 'aggregate=gpu', 'os=windows', 'az=a', 'all'])
  t.throws(() => parseTargetRules('gpu-*'), { message: /must be PATTERN: SELECTOR/ })
  t.throws(() => parseTargetRules('gpu-*: aggregate'), { message: /^\[seeder\] targets: rule "gpu-\*: aggregate": selector term/ })
})

test('a targeted image reaches only matching peers; SIGHUP re-lists at once; a host no longer aimed at drops the image', async t => {
  const c = await newCluster('target', {
    seederArgs: ['--interval', '10m', '--targets', 'img-gpu: aggregate=gpu; img-late: aggregate=gpu|cpu'],
    peerArgs: ['--withdraw-grace', '0', '--report-interval', '1s']
  })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  await writeRandomImage(join(c.imagesDir, 'img-gpu'), 2 * 1024 * 1024)
  await writeRandomImage(join(c.imagesDir, 'img-all'), 2 * 1024 * 1024)
  const seeder = await c.startSeeder()
  const gpu = await c.startPeer(1, { args: ['--labels', 'aggregate=gpu', '--labels', 'az=nova-1'] })
  const plain = await c.startPeer(2, { args: ['--labels', 'az=nova-1'] })
  await waitCached(c, gpu, 'img-gpu')
  await waitCached(c, gpu, 'img-all')
  await waitCached(c, plain, 'img-all')
  // the plain peer has had the catalogue with img-gpu in it (it cached img-all from the same catalogue)
  t.is(await imageStatus(c, plain, 'img-gpu'), undefined, 'the untargeted peer never started it')
  t.false(await exists(join(plain.cacheDir, 'img-gpu')))
  t.false((await readdir(join(plain.cacheDir, '.precache'))).some(f => f.includes('img-gpu')), 'nothing staged either')

  // a new image, listed only because of SIGHUP (the next interval is 10 minutes away)
  await writeRandomImage(join(c.imagesDir, 'img-late'), 1024 * 1024)
  seeder.proc.kill('SIGHUP')
  await waitCached(c, gpu, 'img-late', 60_000)

  // the seeder restarted with a rule that no longer selects the gpu peer for img-all: it drops it
  seeder.proc.kill('SIGTERM')
  await seeder.exited
  // (the later --targets overrides the first)
  await c.startSeeder({ args: ['--targets', 'img-all: aggregate!=gpu; img-gpu: aggregate=gpu'] })
  await waitFor('the gpu peer to drop img-all', async () => !await exists(join(gpu.cacheDir, 'img-all')), 60_000)
  t.true(await exists(join(plain.cacheDir, 'img-all')), 'the plain peer keeps it')
  t.true(await exists(join(gpu.cacheDir, 'img-gpu')), 'and the gpu peer keeps its own')
})

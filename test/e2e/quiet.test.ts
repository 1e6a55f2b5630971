/**
 * A healthy run is quiet: a seeder and three peers at the default log level,
 * JSON logs, writing no WARN or ERROR line while images are served, cached,
 * added and withdrawn.
 *
 * Kept short for CI: 75 s with `--interval 2s --announce-interval 2s`, so the
 * periodic paths (re-listing, catalogue re-announcement, the peers' seeder
 * link and reconnections) each run 30 times or more — the equivalent of
 * several hours at the default 10 min / 30 s periods for listing and
 * announcing.
 */
import test from 'ava'
import { readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeRandomImage } from '../../src/demo/image.js'
import { exists, newCluster, waitCached, waitFor } from './helpers.js'

/** How long the healthy run lasts. @default 75 s */
const RUN_MS = 75_000
const MiB = 1024 * 1024

test('a healthy seeder and three peers write no WARN or ERROR line at the default log level', async t => {
  const periodic = ['--log-format', 'json']
  const c = await newCluster('quiet', { seederArgs: [...periodic, '--interval', '2s', '--announce-interval', '2s'], peerArgs: [...periodic, '--withdraw-grace', '0'] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const started = Date.now()
  await writeRandomImage(join(c.imagesDir, 'first.raw'), 4 * MiB)
  await c.startSeeder()
  const peers = await Promise.all([1, 2, 3].map(async i => await c.startPeer(i)))
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'first.raw') }))

  // a second image arrives (written beside the folder, renamed in), and the first is withdrawn
  await writeRandomImage(join(c.dir, 'second.raw'), 4 * MiB)
  await rename(join(c.dir, 'second.raw'), join(c.imagesDir, 'second.raw'))
  await Promise.all(peers.map(async p => { await waitCached(c, p, 'second.raw') }))
  await rm(join(c.imagesDir, 'first.raw'))
  await waitFor('every peer to remove the withdrawn image', async () => {
    for (const p of peers) if (await exists(join(p.cacheDir, 'first.raw'))) return false
    return true
  })

  // then let the periodic paths run
  await new Promise(resolve => setTimeout(resolve, Math.max(0, RUN_MS - (Date.now() - started))))
  for (const child of [c.seeder, ...peers.map(p => p.child)]) t.is(child?.proc.exitCode, null, `${String(child?.name)} still runs`)

  let lines = 0
  for (const file of [join(c.dir, 'seeder', 'log.txt'), ...peers.map(p => join(p.dir, 'log.txt'))]) {
    for (const line of (await readFile(file, 'utf8')).split('\n').filter(l => l !== '')) {
      lines++
      let entry: any
      try { entry = JSON.parse(line) } catch { t.fail(`${file}: a line that is not JSON: ${line}`); continue }
      t.false(['warn', 'error'].includes(entry.level), `${file}: ${line}`)
    }
  }
  t.log(`${lines} log lines in ${((Date.now() - started) / 1000).toFixed(0)} s, none WARN or ERROR`)
})

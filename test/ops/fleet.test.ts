/**
 * Fleet status: the seeder's table (unit), and `precache status` / `refresh`
 * against a real seeder and three real peers, one of which cannot place the
 * image (its cache folder made immutable, so even root cannot write there).
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { chmod, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { selfArgs } from '../../src/demo/processes.js'
import { writeRandomImage } from '../../src/demo/image.js'
import { createFleet } from '../../src/roles/fleet.js'
import type { FleetView } from '../../src/roles/fleet.js'
import type { ImageReport } from '../../src/distribute/report.js'
import { newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { adminRequest, asFleetView } from '../../src/cli/admin-client.js'

const run = promisify(execFile)

const img = (imageId: string, state: string, have: number, error?: string): ImageReport =>
  ({ imageId, state, size: 4, have, blocks: 4, fromSeeders: 1, fromPeers: 2, reusedBytes: 0, seconds: 3, ...(error != null ? { error } : {}) })

test('the fleet table counts hosts per image, names the slowest and failed ones, and shows silent hosts as gone', t => {
  let now = 1_000_000
  const fleet = createFleet({ seeder: 'S', peerTimeout: 10_000, forgetAfter: 60_000, now: () => now })
  const report = (host: string, images: ImageReport[], labels: Record<string, string> = {}): any => ({ host, labels: { host, ...labels }, version: '0.1.0', images })
  fleet.record('p1', report('c1', [img('a', 'cached', 4)]))
  fleet.record('p2', report('c2', [img('a', 'downloading', 1)]))
  fleet.record('p3', report('c3', [img('a', 'failed', 4, 'EPERM: rename')]))
  fleet.record('p4', report('c4', [img('a', 'waiting-for-space', 3)], { gpu: 'yes' }))
  fleet.record('p5', report('c5', []))
  now += 5000
  fleet.record('p6', report('c6', [img('a', 'placed', 4)]))
  let v = fleet.view([{ imageId: 'a', size: 4 }, { imageId: 'b', size: 9, selector: 'gpu=yes' }], (labels, i) => i.selector == null || labels.gpu === 'yes')
  t.deepEqual(v.images[0].hosts, { cached: 2, inProgress: 2, failed: 1, missing: 1, gone: 0, untargeted: 0 })
  t.deepEqual(v.images[0].slowest.map(s => [s.host, s.percent]), [['c2', 25], ['c4', 75]])
  t.deepEqual(v.images[0].failed, [{ host: 'c3', error: 'EPERM: rename' }])
  t.deepEqual(v.images[1].hosts, { cached: 0, inProgress: 0, failed: 0, missing: 1, gone: 0, untargeted: 5 })
  now += 6000 // c1..c5 silent for 11 s > 10 s
  v = fleet.view([{ imageId: 'a', size: 4 }])
  t.deepEqual(v.hosts.filter(h => h.gone).map(h => h.host), ['c1', 'c2', 'c3', 'c4', 'c5'])
  t.deepEqual(v.images[0].hosts, { cached: 1, inProgress: 0, failed: 0, missing: 0, gone: 5, untargeted: 0 })
  now += 60_000
  t.is(fleet.view([]).hosts.length, 0, 'forgotten after forgetAfter')
  // a host reporting again replaces its entry (one per peer id), and the table stays bounded
  const small = createFleet({ seeder: 'S', maxHosts: 3, now: () => now })
  for (const i of [1, 2, 3, 4, 2]) { now++; small.record(`p${i}`, report(`c${i}`, [])) }
  t.deepEqual(small.view([]).hosts.map(h => h.host), ['c2', 'c3', 'c4'])
})

async function cli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return await run(process.execPath, selfArgs(args), { timeout: 120_000 }).then(r => ({ code: 0, ...r }), (e: any) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }))
}

test('precache status: three peers, one whose cache folder is read-only is named as failed with its reason; refresh; a killed peer shows as gone', async t => {
  const c = await newCluster('fleet', { seederArgs: ['--peer-timeout', '8s', '--interval', '10m'], peerArgs: ['--report-interval', '1s'] })
  const stateDir = join(c.dir, 'seeder', 'state')
  const peers = [await c.startPeer(1), await c.startPeer(2), await c.startPeer(3)]
  const readOnly = peers[2].cacheDir
  t.teardown(async () => {
    await run('chattr', ['-i', readOnly]).catch(() => {})
    await c.stop()
    if (process.env.KEEP == null) await rm(c.dir, { recursive: true, force: true })
    else t.log(c.dir)
  })
  await c.startSeeder()
  const status = async (...args: string[]): Promise<any> => {
    const r = await cli(['status', '--state-dir', stateDir, '--json', ...args])
    if (r.code !== 0) throw new Error(`precache status failed: ${r.stderr}`)
    return JSON.parse(r.stdout)
  }
  // polling reads the admin endpoint in-process (what `precache status --json` prints), sparing a CLI start per poll
  const view = async (): Promise<FleetView> => await adminRequest({ DEFAULT: { state_dir: stateDir }, seeder: {} } as any, 'GET', '/v1/fleet', asFleetView)
  // every peer reports (with no image yet): then make peer 3's cache folder read-only, even for root
  await waitFor('three hosts to report', async () => (await view().catch(() => undefined))?.hosts.length === 3, 60_000)
  await waitFor('peer 3 to have made its staging folder', async () => await chmod(join(readOnly, '.precache'), 0o755).then(() => true, () => false))
  await run('chattr', ['+i', readOnly])

  await writeRandomImage(join(c.imagesDir, 'img-f'), 3 * 1024 * 1024)
  const refreshed = await cli(['refresh', '--state-dir', stateDir])
  t.is(refreshed.code, 0, refreshed.stderr)
  t.regex(refreshed.stdout, /listed 1 image/)
  for (const p of peers.slice(0, 2)) await waitCached(c, p, 'img-f')

  const v: FleetView = await waitFor('the fleet view to show 2 cached and 1 failed', async () => {
    const v: FleetView = await view()
    const i = v.images.find(i => i.imageId === 'img-f')
    return i?.hosts.cached === 2 && i.hosts.failed === 1 ? v : undefined
  }, 90_000)
  const image = v.images[0]
  t.deepEqual({ ...image.hosts }, { cached: 2, inProgress: 0, failed: 1, missing: 0, gone: 0, untargeted: 0 })
  const failedHost = v.hosts.find(h => h.images.some(i => i.state === 'failed'))
  t.truthy(failedHost)
  t.is(image.failed[0].host, failedHost?.host ?? '')
  t.regex(image.failed[0].error, /EPERM|not permitted|read-only|cannot/i, 'the reason is the file system refusing the write')
  const cachedHosts = v.hosts.filter(h => h.images.some(i => i.state === 'placed'))
  for (const h of cachedHosts) {
    const r = h.images[0]
    t.is(r.have, r.blocks)
    t.true(r.fromSeeders + r.fromPeers >= 3 * 1024 * 1024, 'bytes by source add up to the image')
  }

  // the human table names the failed host and its reason; --host and --image give detail
  // (the failing peer retries with back-off, showing "downloading" meanwhile: wait for a failed moment)
  // (its retries back off: 5 s, 10 s, 20 s… so a failed moment comes and lasts longer each time)
  const table = await waitFor('the table to show the failure', async () => {
    const r = await cli(['status', '--state-dir', stateDir])
    return r.code === 0 && r.stdout.includes(`img-f on ${failedHost?.host as string}: `) ? r.stdout : undefined
  }, 120_000)
  t.regex(table, /IMAGE\s+SIZE\s+CACHED/)
  t.regex(table, /img-f\s+3\.0 MiB\s+2\/3/)
  const byImage = await status('--image', 'img-f')
  t.is(byImage.perHost.length, 3)
  const byPeerId = await status('--host', failedHost?.peerId as string)
  t.is(byPeerId.host, failedHost?.host)
  t.is(byPeerId.images[0].imageId, 'img-f')
  const unknown = await cli(['status', '--state-dir', stateDir, '--host', 'nope'])
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /^precache: no host nope has reported/)

  // a peer that stops reporting is shown as gone after peer_timeout
  peers[0].child.proc.kill('SIGKILL')
  const gone: FleetView = await waitFor('the killed peer to show as gone', async () => {
    const v: FleetView = await view()
    return v.hosts.filter(h => h.gone).length === 1 ? v : undefined
  }, 60_000)
  t.is(gone.images[0].hosts.gone, 1)

  // no seeder: a clear error, not a stack trace
  const none = await cli(['status', '--state-dir', join(c.dir, 'nowhere')])
  t.not(none.code, 0)
  t.regex(none.stderr, /^precache: cannot reach the seeder's admin endpoint .*is the seeder running/)
})

/**
 * Prometheus metrics: the address parser, and `/metrics` scraped from a real
 * seeder and peers (separate processes) after a distribution.
 */
import test from 'ava'
import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import { freePort } from '../../src/demo/processes.js'
import { writeRandomImage } from '../../src/demo/image.js'
import { parseHttpAddress, isLocalOnly } from '../../src/ops/http.js'
import { newCluster, waitCached, waitFor } from '../e2e/helpers.js'
import { RELEASE } from '../../src/roles/version.js'

test('metrics and admin addresses: host:port, [v6]:port, unix sockets; anything else is a clear error', t => {
  t.deepEqual(parseHttpAddress('127.0.0.1:9108', 'metrics_listen'), { host: '127.0.0.1', port: 9108 })
  t.deepEqual(parseHttpAddress('[::1]:9108', 'metrics_listen'), { host: '::1', port: 9108 })
  t.deepEqual(parseHttpAddress('/run/precache/admin.sock', 'admin_listen'), { path: '/run/precache/admin.sock' })
  t.deepEqual(parseHttpAddress('unix:/run/a.sock', 'admin_listen'), { path: '/run/a.sock' })
  for (const bad of ['9108', 'host:', 'host:0', 'host:70000', '[nothex]:1', 'unix:relative.sock', ':::1:80']) {
    const err = t.throws(() => parseHttpAddress(bad, 'metrics_listen'))
    t.regex(err?.message ?? '', /^metrics_listen /, bad)
  }
  t.true(isLocalOnly({ host: '127.0.0.1', port: 1 }))
  t.true(isLocalOnly({ path: '/x' }))
  t.false(isLocalOnly({ host: '0.0.0.0', port: 1 }))
})

/** Parses the text exposition format into `name{labels}` → value */
function parseExposition (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)/.exec(line)
    if (m != null) out.set(m[1], Number(m[2]))
  }
  return out
}

async function scrape (port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`)
  return parseExposition(await res.text())
}

test('/metrics of a running seeder and two peers: every family, with values that match the distribution', async t => {
  const ports = [await freePort(), await freePort(), await freePort()]
  const c = await newCluster('metrics', { seederArgs: ['--metrics-listen', `127.0.0.1:${ports[0]}`] })
  t.teardown(async () => { await c.stop(); await rm(c.dir, { recursive: true, force: true }) })
  const size = 5 * 1024 * 1024 + 123
  await writeRandomImage(join(c.imagesDir, 'img-m'), size)
  await c.startSeeder()
  const peers = [await c.startPeer(1, { args: ['--metrics-listen', `127.0.0.1:${ports[1]}`] }),
    await c.startPeer(2, { args: ['--metrics-listen', `127.0.0.1:${ports[2]}`] })]
  for (const p of peers) await waitCached(c, p, 'img-m')

  const blocks = Math.ceil(size / (1024 * 1024))
  let receivedTotal = 0
  for (const [i, p] of peers.entries()) {
    const m = await waitFor('the download to be counted', async () => {
      const m = await scrape(ports[i + 1])
      return (m.get('precache_download_duration_seconds_count') ?? 0) >= 1 ? m : undefined
    }, 30_000)
    const fromSeeder = m.get('precache_received_bytes_total{source="seeder"}') ?? -1
    const fromPeer = m.get('precache_received_bytes_total{source="peer"}') ?? -1
    t.true(fromSeeder >= 0 && fromPeer >= 0, `${p.child.name}: bytes by source`)
    t.true(fromSeeder + fromPeer >= size, `${p.child.name} received the whole image (${fromSeeder} + ${fromPeer})`)
    receivedTotal += fromSeeder + fromPeer
    t.is(m.get('precache_received_bytes_total{source="reused"}'), 0)
    t.is(m.get('precache_blocks_verified_total'), blocks, `${p.child.name}: every block verified once`)
    t.is(m.get('precache_blocks_rejected_total'), 0)
    t.is(m.get('precache_images{state="placed"}'), 1)
    t.is(m.get('precache_download_duration_seconds_count'), 1)
    t.true((m.get('precache_download_duration_seconds_sum') ?? 0) > 0)
    t.true((m.get('precache_connected_peers') ?? 0) >= 1, 'connected at least to the seeder')
    t.true(m.has('precache_sessions'))
    t.true(m.has('precache_sent_bytes_total'))
    t.is(m.get(`precache_build_info{version="${RELEASE}",role="peer",node="${process.version}"}`), 1)
    t.true(m.has('process_resident_memory_bytes') && m.has('nodejs_heap_size_used_bytes'), 'default process metrics')
  }

  const s = await scrape(ports[0])
  t.true((s.get('precache_sent_bytes_total') ?? 0) >= size, 'the seeder sent the image at least once')
  t.true((s.get('precache_sent_bytes_total') ?? 0) <= receivedTotal, 'and no more than the peers received in all')
  t.is(s.get('precache_images{state="served"}'), 1)
  t.is(s.get('precache_listing_errors_total'), 0)
  t.is(s.get('precache_fetch_errors_total'), 0)
  const last = s.get('precache_last_successful_listing_timestamp_seconds') ?? 0
  t.true(last > Date.now() / 1000 - 600 && last <= Date.now() / 1000 + 1, 'last successful listing is recent')
  t.true((s.get('precache_connected_peers') ?? 0) >= 2)
  t.is(s.get('precache_download_duration_seconds_count'), 0, 'a seeder downloads nothing')

  const missing = await fetch(`http://127.0.0.1:${ports[0]}/other`)
  t.is(missing.status, 404)
})

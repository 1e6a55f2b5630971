/**
 * React at once: a real RabbitMQ (Debian's rabbitmq-server on loopback) and a
 * real Glance sending messagingv2 notifications. Tagging an image in Glance
 * makes the seeder (listing interval 10 minutes) list and announce it, and a
 * peer start downloading it, within seconds.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createCluster } from '../../src/demo/cluster.js'
import type { Cluster } from '../../src/demo/cluster.js'
import { parseNotification } from '../../src/list/glance-notifications.js'
import { freePort } from '../../src/demo/processes.js'
import { ROOT, cleanupTemps, startGlance, tempDir } from './services.js'
import type { Service } from './services.js'
import { addTag, bytes, createImage } from './glance-client.js'
import { imageStatus, waitCached, waitFor } from '../e2e/helpers.js'

const run = promisify(execFile)
let glance: Service | undefined
let cluster: Cluster | undefined
let rabbitDir: string | undefined

test.after.always(async () => {
  await cluster?.stop()
  await glance?.stop()
  if (rabbitDir != null) {
    await run('bash', [join(ROOT, 'scripts', 'rabbitmq', 'stop.sh'), rabbitDir]).catch(() => {})
    await rm(rabbitDir, { recursive: true, force: true })
  }
  await cleanupTemps()
})

test('notifications: the messagingv2 envelope is parsed twice; anything else is ignored', t => {
  const inner = { message_id: 'm', publisher_id: 'image.localhost', event_type: 'image.update', priority: 'INFO', payload: { id: 'abc', tags: ['precache'] }, timestamp: '2026-11-29 10:00:00.000000' }
  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
  t.deepEqual(parseNotification(enc({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) })), { eventType: 'image.update', imageId: 'abc' })
  t.deepEqual(parseNotification(enc(inner)), { eventType: 'image.update', imageId: 'abc' })
  for (const bad of [enc('x'), enc({ 'oslo.message': '{' }), enc({ event_type: 7 }), Uint8Array.of(0xff), enc(null)]) t.is(parseNotification(bad), undefined)
})

test('a tag added in a real Glance starts the distribution at once through RabbitMQ (the listing interval is 10 minutes)', async t => {
  rabbitDir = await mkdtemp(join(tmpdir(), 'pc-rabbit-'))
  const [amqpPort, epmdPort, distPort] = [await freePort(), await freePort(), await freePort()]
  const started = Date.now()
  const { stdout } = await run('bash', [join(ROOT, 'scripts', 'rabbitmq', 'start.sh'), rabbitDir, String(amqpPort), String(epmdPort), String(distPort)], { timeout: 180_000 })
  t.log(`rabbitmq-server up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const amqpUrl = /^RABBITMQ_URL=(.*)$/m.exec(stdout)?.[1] as string
  process.env.GLANCE_NOTIFICATIONS_URL = amqpUrl.replace(/^amqp:/, 'rabbit:')
  try { glance = await startGlance() } finally { delete process.env.GLANCE_NOTIFICATIONS_URL }
  const url = glance.vars.GLANCE_URL
  const image = await createImage(url, 'pa', { name: 'later' }, bytes(1024 * 1024 + 7, 5))

  const dir = await tempDir('pc-notify-')
  cluster = await createCluster({
    dir,
    seederArgs: ['--lister', 'glance', '--fetcher', 'glance', '--glance-endpoint', url, '--os-project-id', 'pa', '--glance-tag', 'precache',
      '--staging-dir', join(dir, 'staging'), '--interval', '10m', '--glance-notifications-url', amqpUrl]
  })
  const c = cluster
  await c.startSeeder()
  const peer = await c.startPeer(1)
  const seederStatus = c.seederStatus
  await waitFor('the seeder to listen for notifications and finish its first listing', async () => {
    const s = await seederStatus()
    return s?.glanceNotifications?.connected === true && s.catalogue?.complete === true
  }, 120_000)
  t.is((await seederStatus())?.images.length, 0, 'nothing tagged yet')

  const tagged = Date.now()
  await addTag(url, 'pa', image.id, 'precache')
  await waitFor('the peer to start on the image', async () => (await imageStatus(c, peer, image.id)) != null, 120_000)
  const seconds = (Date.now() - tagged) / 1000
  t.log(`tag → peer downloading: ${seconds.toFixed(1)} s`)
  t.true(seconds < 60, 'long before the 10-minute listing interval')
  await waitCached(c, peer, image.id)
})

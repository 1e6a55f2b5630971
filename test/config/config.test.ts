import test from 'ava'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, requireOption } from '../../src/config/load.js'
import { parseDuration, parseRate, parseSize } from '../../src/config/units.js'
import { ConfigError } from '../../src/errors.js'
import { OPTIONS } from '../../src/config/schema.js'
import { DEFAULT_MAX_NEIGHBOURS, DEFAULT_REQUESTS_PER_PEER } from '../../src/swarm/engine.js'
import { DEFAULT_BLOCK_SIZE } from '../../src/image/manifest.js'
import { DEFAULT_ANNOUNCE_INTERVAL } from '../../src/distribute/announcer.js'
import { DEFAULT_MODE, DEFAULT_TOUCH_INTERVAL } from '../../src/cache/nova.js'
import { DEFAULT_PAGE_SIZE } from '../../src/list/glance.js'
import { DEFAULT_CONTAINER, DEFAULT_OBJECT_TEMPLATE } from '../../src/fetch/swift.js'

test('sizes, durations and rates parse with units', t => {
  t.is(parseSize('64MiB'), 64 * 1024 * 1024)
  t.is(parseSize('1GiB'), 1024 ** 3)
  t.is(parseSize('512k'), 512_000)
  t.is(parseSize('1048576'), 1048576)
  t.is(parseDuration('10m'), 600_000)
  t.is(parseDuration('250ms'), 250)
  t.is(parseDuration('45'), 45_000)
  t.is(parseRate('100mbit'), 12_500_000)
  t.is(parseRate('50MiB/s'), 50 * 1024 * 1024)
  t.is(parseRate('0'), 0)
  for (const bad of ['', 'lots', '12 parsecs', '-1', '1e9']) t.throws(() => parseSize(bad), { instanceOf: ConfigError })
  t.throws(() => parseDuration('soon'), { instanceOf: ConfigError })
  t.throws(() => parseRate('100'), { instanceOf: ConfigError })
})

test('defaults apply, the file overrides them and flags override the file', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'precache.conf')
  await writeFile(file, '# comment\n[DEFAULT]\ntopic = nova\n[swarm]\nblock_size = 4MiB\nrequests_per_peer = 3\n[seeder]\ninterval = 1h\n')
  const c = loadConfig({ command: 'seeder', flags: { 'requests-per-peer': '5' }, configFile: file })
  t.is(c.DEFAULT.topic, 'nova')
  t.is(c.swarm.block_size, 4 * 1024 * 1024)
  t.is(c.swarm.requests_per_peer, 5)
  t.is(c.seeder.interval, 3_600_000)
  t.is(c.seeder.announce_interval, 30_000)
})

test('an unknown option is an error naming the file, line and option', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'precache.conf')
  await writeFile(file, '[swarm]\nblok_size = 1MiB\n')
  const err = t.throws(() => loadConfig({ command: 'seeder', flags: {}, configFile: file }), { instanceOf: ConfigError })
  t.regex(err.message, /precache\.conf:2: \[swarm\] blok_size: unknown option/)
  await writeFile(file, '[peer]\nblock_size = 1MiB\n')
  const err2 = t.throws(() => loadConfig({ command: 'seeder', flags: {}, configFile: file }), { instanceOf: ConfigError })
  t.regex(err2.message, /did you mean \[swarm\] block_size/)
})

test('bad values and missing files are ConfigErrors with the source named', async t => {
  const err = t.throws(() => loadConfig({ command: 'seeder', flags: { 'block-size': 'huge' } }), { instanceOf: ConfigError })
  t.regex(err.message, /--block-size/)
  t.throws(() => loadConfig({ command: 'seeder', flags: { 'block-size': '1k' } }), { instanceOf: ConfigError, message: /--block-size: 1k is out of range/ })
  t.throws(() => loadConfig({ command: 'seeder', flags: { 'requests-per-peer': '0' } }), { instanceOf: ConfigError, message: /out of range/ })
  t.throws(() => loadConfig({ command: 'seeder', flags: {}, configFile: '/nonexistent/precache.conf' }), { instanceOf: ConfigError, message: /does not exist/ })
  const c = loadConfig({ command: 'peer', flags: {} })
  t.throws(() => requireOption(c, 'peer', 'seeders'), { instanceOf: ConfigError, message: /--seeder/ })
})

test('the typed Config: every default is present and of its schema type; the types follow the schema', t => {
  const c = loadConfig({ command: 'seeder', flags: { seeder: ['/ip4/127.0.0.1/tcp/1/p2p/x'] } })
  const runtimeType = { string: 'string', path: 'string', int: 'number', size: 'number', duration: 'number', rate: 'number', bool: 'boolean', list: 'object' } as const
  const sections = c as unknown as Record<string, Record<string, unknown>>
  for (const spec of OPTIONS) {
    const value = sections[spec.section][spec.key]
    if (spec.default === undefined) { t.is(value, undefined, `${spec.section}.${spec.key}`); continue }
    t.is(typeof value, runtimeType[spec.type], `${spec.section}.${spec.key}`)
    if (spec.type === 'list') t.true(Array.isArray(value))
  }
  // compile-time: these lines only build while the types follow the schema
  const blockSize: number = c.swarm.block_size
  const topic: string = c.DEFAULT.topic
  const raw: boolean = c.cache.force_raw_images
  const roles: string[] = c.openstack.roles
  const identity: string | undefined = c.DEFAULT.identity
  // @ts-expect-error an option without a default may be undefined
  const images: string = c.seeder.images_dir
  // @ts-expect-error no such option
  t.throws(() => requireOption(c, 'swarm', 'blok_size'), { instanceOf: ConfigError })
  t.truthy([blockSize, topic, raw, roles, identity, images])
})

test('the schema and the components agree on every default both name', t => {
  const c = loadConfig({ command: 'peer', flags: {} })
  t.is(c.swarm.requests_per_peer, DEFAULT_REQUESTS_PER_PEER)
  t.is(c.swarm.max_neighbours, DEFAULT_MAX_NEIGHBOURS)
  t.is(c.swarm.block_size, DEFAULT_BLOCK_SIZE)
  t.is(c.seeder.announce_interval, DEFAULT_ANNOUNCE_INTERVAL)
  t.is(c.cache.touch_interval, DEFAULT_TOUCH_INTERVAL)
  t.is(Number.parseInt(c.cache.mode, 8), DEFAULT_MODE)
  t.is(c.glance.page_size, DEFAULT_PAGE_SIZE)
  t.is(c.swift.container, DEFAULT_CONTAINER)
  t.is(c.swift.object_template, DEFAULT_OBJECT_TEMPLATE)
})

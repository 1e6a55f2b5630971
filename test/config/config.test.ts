import test from 'ava'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, requireOption } from '../../src/config/load.js'
import { parseDuration, parseRate, parseSize } from '../../src/config/units.js'
import { ConfigError } from '../../src/errors.js'

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

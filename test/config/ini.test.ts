/** INI parsing means what it says: inline comments, paths, the README's own snippets */
import test from 'ava'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseIni } from '../../src/config/ini.js'
import { loadConfig } from '../../src/config/load.js'
import { ConfigError } from '../../src/errors.js'

const value = (text: string, section: string, key: string): string | undefined => parseIni(text, 'f.conf')[section]?.[key]?.value

test('an inline comment starts at whitespace followed by # or ;', t => {
  t.is(value('[cache]\ninstances_path = /var/lib/nova/instances   # Nova\'s [DEFAULT] instances_path\n', 'cache', 'instances_path'), '/var/lib/nova/instances')
  t.is(value('[cache]\nforce_raw_images = true\t; same as Nova\n', 'cache', 'force_raw_images'), 'true')
  t.is(value('[http]\nurl_template = http://m.example/{id}#frag\n', 'http', 'url_template'), 'http://m.example/{id}#frag', 'no space before #: part of the value')
  t.is(value('[peer] # the peer\ncache_driver = nova\n', 'peer', 'cache_driver'), 'nova', 'comment after a section header')
  t.is(value('[DEFAULT]\nidentity =   # none yet\n', 'DEFAULT', 'identity'), '')
  t.throws(() => parseIni('[swarm]\nblock_size = 1MiB\nblock_size = 2MiB\n', 'f.conf'), { instanceOf: ConfigError, message: /f\.conf:3: \[swarm\] block_size is set twice \(also on line 2\)/ })
})

test('paths: a "#" or whitespace at either end is an error naming the source', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-ini-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  t.throws(() => loadConfig({ command: 'peer', flags: { 'cache-dir': '/srv/cache ' } }), { instanceOf: ConfigError, message: /--cache-dir: "\/srv\/cache " starts or ends with whitespace/ })
  t.throws(() => loadConfig({ command: 'peer', flags: { 'instances-path': '/var/lib/nova/instances#x' } }), { instanceOf: ConfigError, message: /--instances-path: .* contains "#"/ })
  const file = join(dir, 'p.conf')
  await writeFile(file, '[cache]\ninstances_path = /var/lib/nova/instances#Nova\n')
  t.throws(() => loadConfig({ command: 'peer', flags: {}, configFile: file }), { instanceOf: ConfigError, message: /p\.conf:2: \[cache\] instances_path: .* contains "#"/ })
  await writeFile(file, '[DEFAULT]\nlog_format = jsonx\n')
  t.throws(() => loadConfig({ command: 'peer', flags: {}, configFile: file }), { instanceOf: ConfigError, message: /p\.conf:2: \[DEFAULT\] log_format: "jsonx" is not one of text, json/ })
})

test('every INI snippet in the README loads, and means what it says', async t => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8')
  const snippets = [...readme.matchAll(/```ini\n([\s\S]*?)```/g)].map(m => m[1])
  t.true(snippets.length >= 2, 'the README has INI snippets')
  const dir = await mkdtemp(join(tmpdir(), 'pc-ini-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  for (const [i, text] of snippets.entries()) {
    const file = join(dir, `readme-${i}.conf`)
    await writeFile(file, text)
    const config = loadConfig({ command: 'peer', flags: {}, configFile: file })
    const sections = parseIni(text, file)
    for (const [section, entries] of Object.entries(sections)) {
      for (const [key, { value }] of Object.entries(entries)) {
        t.false(/[#;]/.test(value) && !/^https?:/.test(value), `[${section}] ${key} = "${value}" keeps no comment`)
        t.not((config as unknown as Record<string, Record<string, unknown> | undefined>)[section]?.[key], undefined, `[${section}] ${key} is loaded`)
      }
    }
    if (sections.cache?.instances_path != null) {
      t.is(config.cache.instances_path, '/var/lib/nova/instances')
      t.is(config.cache.force_raw_images, true)
      t.is(config.cache.owner, 'nova:nova')
    }
  }
})

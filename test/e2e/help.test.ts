/** --help explains: typed value names, an example per command, --config at the top */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { CLI_ENTRY, NODE_FLAGS } from '../../src/demo/processes.js'
import { OPTIONS } from '../../src/config/schema.js'
import { valueName } from '../../src/cli/options.js'

function help (args: string[]): string {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, CLI_ENTRY, ...args, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } })
  if (r.status !== 0) throw new Error(`${args.join(' ')} --help: exit ${String(r.status)} ${r.stderr}`)
  return r.stdout
}

test('the top-level help names --config and shows examples', t => {
  const top = help([])
  t.regex(top, /-c, --config <path>/)
  t.regex(top, /Examples:\n\s+precache keygen/)
})

test('every command has an example and typed value names', t => {
  for (const command of ['seeder', 'peer', 'list', 'keygen', 'demo']) {
    const text = help([command])
    t.regex(text, /Example/, `${command} has an example`)
    t.notRegex(text, /<value>/, `${command}: no untyped <value>`)
  }
  for (const spec of OPTIONS) {
    if (spec.flag == null) continue
    t.not(valueName(spec), '<value>', `--${spec.flag}`)
  }
  t.is(valueName(OPTIONS.find(o => o.flag === 'seeder') as any), '<multiaddr...>')
  t.is(valueName(OPTIONS.find(o => o.flag === 'log-level') as any), '<error|warn|info|debug>')
  t.is(valueName(OPTIONS.find(o => o.flag === 'interval') as any), '<duration>')
})

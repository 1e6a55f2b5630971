/** The `precache` binary as an operator uses it: exit codes, one-line errors, the demo's JSON */
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI_ENTRY, NODE_FLAGS } from '../../src/demo/processes.js'

function precache (args: string[], timeout = 120_000): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, CLI_ENTRY, ...args], { encoding: 'utf8', timeout })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('bad input gives one clear line and exit code 2, never a stack trace', t => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const key = join(dir, 'swarm.key')
  t.is(precache(['keygen', '--swarm-key', key]).code, 0)
  const cases: Array<[string[], RegExp]> = [
    [['seeder', '--images', dir], /missing required option: set --swarm-key/],
    [['seeder', '--images', join(dir, 'nope'), '--swarm-key', key, '--state-dir', join(dir, 's')], /images folder .* cannot be used: ENOENT/],
    [['seeder', '--images', dir, '--swarm-key', key, '--block-size', 'lots'], /invalid --block-size "lots"/],
    [['seeder', '--images', dir, '--swarm-key', join(dir, 'missing.key')], /cannot read swarm key .*missing\.key: ENOENT/],
    [['peer', '--swarm-key', key, '--seeder', '/ip4/127.0.0.1/tcp/4001', '--cache-dir', dir], /must end with \/p2p\/<seeder peer id>/],
    [['seeder', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['keygen', '--swarm-key', key], /already exists: refusing to overwrite/],
    [['demo', '--peers', '0'], /--peers 0: use a whole number from 1 to 64/]
  ]
  writeFileSync(join(dir, 'bad.conf'), '[seeder]\nimages_dirr = /tmp\n')
  cases.push([['seeder', '--config', join(dir, 'bad.conf')], /bad\.conf:2: \[seeder\] images_dirr: unknown option/])
  for (const [args, message] of cases) {
    const r = precache(args)
    t.is(r.code, 2, args.join(' '))
    t.regex(r.stderr, message)
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace')
  }
})

test('precache demo verifies every copy and prints only one JSON line on stdout with --json', t => {
  const r = precache(['demo', '--peers', '2', '--size', '8MiB', '--json'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim().split('\n').length, 1, 'stdout is only the JSON line')
  const last = JSON.parse(r.stdout)
  t.is(last.peers, 2)
  t.is(last.sizeBytes, 8 * 1024 * 1024)
  t.true(last.allVerified)
  t.true(last.originEgressRatio >= 1 && last.originEgressRatio < 2)
  t.is(last.perPeer.length, 2)
  t.regex(r.stderr, /2 peers got 8\.0 MiB/, 'the table goes to stderr')
  t.true(last.perPeer.every((p: any) => p.seconds > 0 && p.seconds <= last.seconds), 'each peer\'s time is within the headline')
})

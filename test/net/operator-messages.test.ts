/** The lines an operator reads: dial failures, version mismatches, rate limiting, shared secrets */
import test from 'ava'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { explainDial } from '../../src/net/dial-error.js'
import { warnIfShared } from '../../src/net/identity.js'
import { remoteHost } from '../../src/net/refused.js'
import { createRateLimitedLog } from '../../src/log.js'
import { mismatchLine, parseAgentVersion } from '../../src/roles/version.js'

const seeder = multiaddr('/ip4/10.0.0.5/tcp/4001/p2p/12D3KooWCawqrpVzHMsSJSQW7LSAgBumjBoZL1kDNwiKh1rts2F7')

test('a dial time-out names the address and port and suggests the firewall', t => {
  const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })
  const r = explainDial(abort, seeder, 10_000)
  t.is(r.reason, 'timeout')
  t.regex(r.text, /10\.0\.0\.5 port 4001 within 10 s: .*firewall .*TCP port 4001/)
  t.is(explainDial(new Error('connect ECONNREFUSED 10.0.0.5:4001'), seeder, 10_000).reason, 'refused')
  const id = explainDial(new Error('Payload identity key 12D3KooWA does not match expected remote identity key 12D3KooWB'), seeder, 10_000)
  t.is(id.reason, 'identity')
  t.regex(id.text, /has peer id 12D3KooWA, not 12D3KooWB: .*--seeder/)
  t.regex(explainDial(new Error('handshake stage 1 validation fail: Invalid chacha20poly1305 decryption'), seeder, 10_000).text, /same swarm key/)
})

test('agent versions: parsed, and a mismatch names both versions and the side to upgrade', t => {
  t.deepEqual(parseAgentVersion('precache/0.2.0 wire/2 host/compute-7'), { release: '0.2.0', wire: 2, host: 'compute-7' })
  t.is(parseAgentVersion('libp2p/3.3.11 UserAgent=v24').wire, 1, 'a node that states no wire version is version 1')
  t.is(mismatchLine('P', { wire: 2 }, 2), undefined)
  t.regex(mismatchLine('P', { wire: 1, host: 'compute-7', release: '0.1.0' }, 2) ?? '', /node P on host compute-7 speaks wire protocol 1 \(precache 0\.1\.0\), this node wire protocol 2 .*: upgrade precache on compute-7/)
  t.regex(mismatchLine('P', { wire: 3, host: 'ctl' }, 2) ?? '', /upgrade precache on this host/)
})

test('the rate-limited log: one line per key per window, after minCount events, bounded', t => {
  let now = 1_000_000
  const realNow = Date.now
  Date.now = () => now
  t.teardown(() => { Date.now = realNow })
  const lines: Array<Record<string, unknown> | undefined> = []
  const log = createRateLimitedLog((_msg, fields) => { lines.push(fields) }, { intervalMs: 60_000, minCount: 3, maxKeys: 2 })
  log('a', 'x'); log('a', 'x')
  t.is(lines.length, 0, 'below minCount')
  log('a', 'x')
  t.is(lines.length, 1)
  t.is(lines[0]?.repeated, 3)
  for (let i = 0; i < 10; i++) log('a', 'x')
  t.is(lines.length, 1, 'suppressed within the window')
  now += 61_000
  log('a', 'x')
  t.is(lines.length, 2)
  t.is(lines[1]?.repeated, 11, 'counts what was suppressed')
  log('b', 'x'); log('c', 'x'); log('d', 'x')
  now += 1
  for (let i = 0; i < 3; i++) log('e', 'x')
  t.is(lines.length, 3, 'new keys still counted with the map bounded')
  t.is(remoteHost('/ip4/10.0.0.7/tcp/51234'), '10.0.0.7')
  t.is(remoteHost('/ip6/fd00::7/tcp/51234'), 'fd00::7')
})

test('a swarm key or identity readable by others is warned about', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-shared-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'swarm.key')
  await writeFile(file, 'x', { mode: 0o600 })
  const warnings: string[] = []
  const log = { warn: (m: string) => { warnings.push(m) } }
  warnIfShared(file, 'swarm key', log)
  t.is(warnings.length, 0)
  await chmod(file, 0o644)
  warnIfShared(file, 'swarm key', log)
  t.is(warnings.length, 1)
  t.regex(warnings[0], /mode 0644\): run "chmod 600 /)
})

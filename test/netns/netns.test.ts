/**
 * Real hosts in network namespaces with shaped links (needs root, as in CI):
 * one seeder and four peers on 200 Mbit/s links.
 */
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { runScenario } from '../../bench/net/scenario.js'
import { precacheMethod } from '../../bench/net/method-precache.js'
import { PREFIX } from '../../bench/net/topology.js'

const MiB = 1024 * 1024

test('netns: 4 hosts at 200 Mbit/s all get identical bytes, origin egress < 1.5× the image', async t => {
  t.is(process.getuid?.(), 0, 'this test builds network namespaces and needs root (CI runs as root)')
  const [r] = await runScenario({ name: 'netns-e2e', hostMbit: [200, 200, 200, 200], originMbit: 200, sizeBytes: 16 * MiB, methods: { precache: precacheMethod() }, repeat: 1 })
  t.log(`last host ${r.lastSeconds.toFixed(2)} s = ${r.lastOverBound.toFixed(2)}× T*, origin egress ${r.originEgressOverSize.toFixed(3)} F`)
  t.true(r.allVerified, 'every host holds the exact bytes (SHA-256), also after seeder and peers were stopped with SIGTERM')
  t.is(r.hostSeconds.length, 4)
  t.true(r.originEgressOverSize >= 1, 'the origin sent at least one copy')
  t.true(r.originEgressOverSize < 1.5, `origin egress ${r.originEgressOverSize} F < 1.5 F`)
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter(l => l.startsWith(`${PREFIX}-`))
  t.deepEqual(left, [], 'no namespaces left behind')
})

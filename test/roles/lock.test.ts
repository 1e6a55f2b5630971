/** The state-folder lock's stale cases (the live case runs with real processes in test/e2e/startup.test.ts) */
import test from 'ava'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LOCK_FILE, lockStateDir } from '../../src/roles/lock.js'

test('a lock naming this pid (a restarted container\'s pid 1) or a dead pid is stale and taken over', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-lock-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, LOCK_FILE)
  await writeFile(file, JSON.stringify({ pid: process.pid, role: 'peer', host: 'old', started: 'then' }))
  const a = lockStateDir(dir, 'peer')
  t.true(a.tookOver)
  a.release()
  await writeFile(file, JSON.stringify({ pid: 2 ** 22 + 7, role: 'peer', host: 'x', started: 'then' })) // above pid_max: never alive
  const b = lockStateDir(dir, 'peer')
  t.true(b.tookOver)
  t.is(JSON.parse(await readFile(file, 'utf8')).pid, process.pid)
  b.release()
  await t.throwsAsync(readFile(file, 'utf8'), undefined, 'released')
})

import test from 'ava'
import { appendFile, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { directoryLister } from '../../src/list/directory.js'
import type { Logger } from '../../src/log.js'

function capture (): { log: Logger, lines: string[] } {
  const lines: string[] = []
  const log = Object.assign(() => {}, { warn: (m: string) => { lines.push(m) }, error: (m: string) => { lines.push(m) }, debug: () => {}, child: () => log }) as unknown as Logger
  return { log, lines }
}

test('hostile folder: symlinks, secrets, colliding names, empty files and bad names are refused, each logged once', async t => {
  const root = await mkdtemp(join(tmpdir(), 'pc-dir-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  const dir = join(root, 'images')
  const state = join(root, 'state')
  await mkdir(dir)
  await mkdir(state)
  const key = join(root, 'swarm.key')
  await writeFile(key, 'secret')
  await writeFile(join(state, 'identity'), 'private')
  await writeFile(join(dir, 'good.raw'), 'x'.repeat(100))
  await writeFile(join(root, 'outside'), 'outside')
  await symlink(join(root, 'outside'), join(dir, 'link-out'))
  await symlink(join(dir, 'good.raw'), join(dir, 'link-in'))
  await link(key, join(dir, 'key-copy'))
  await link(join(state, 'identity'), join(dir, 'id-copy'))
  await writeFile(join(dir, 'a b.raw'), 'one')
  await writeFile(join(dir, 'a_b.raw'), 'two')
  await writeFile(join(dir, 'empty.raw'), '')
  await writeFile(join(dir, 'n'.repeat(254)), 'long')
  await writeFile(join(dir, '.hidden'), 'h')
  await writeFile(join(dir, 'x.part'), 'p')
  const { log, lines } = capture()
  const lister = directoryLister({ dir, secrets: [key], stateDir: state, settleMs: 50, log })
  await lister.validate?.()
  const first = await lister.list()
  t.deepEqual(first.map(r => r.id), ['good.raw'])
  t.is(first[0].settling, undefined, 'unchanged across two looks')
  t.is(lines.length, 7, lines.join('\n'))
  for (const name of ['link-out', 'link-in', 'key-copy', 'id-copy', 'empty.raw', 'n'.repeat(254)]) t.true(lines.some(l => l.includes(name)), name)
  t.true(lines.some(l => l.includes('"a b.raw" and "a_b.raw" both map to image id a_b.raw')))
  await lister.list()
  t.is(lines.length, 7, 'nothing logged again at the next listing')
  await rm(join(dir, 'a b.raw'))
  t.deepEqual((await lister.list()).map(r => r.id).sort(), ['a_b.raw', 'good.raw'], 'the collision ends when one name goes')
})

test('a file still being written is reported as settling, and taken once it stops changing', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-settle-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'growing'), 'start')
  const lister = directoryLister({ dir, settleMs: 300 })
  const writer = setInterval(() => { void appendFile(join(dir, 'growing'), 'more') }, 50)
  const during = await lister.list()
  clearInterval(writer)
  t.is(during[0].settling, true)
  await new Promise(resolve => setTimeout(resolve, 100))
  const after = await lister.list()
  t.is(after[0].settling, undefined)
  t.is(after[0].size, 5 + 4 * Math.round((after[0].size as number - 5) / 4))
})

test('an images folder inside the state folder (or around it) is refused at start', async t => {
  const root = await mkdtemp(join(tmpdir(), 'pc-overlap-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  await mkdir(join(root, 'state', 'images'), { recursive: true })
  await t.throwsAsync(directoryLister({ dir: join(root, 'state', 'images'), stateDir: join(root, 'state') }).validate?.() as Promise<void>, { message: /overlap/ })
  await t.throwsAsync(directoryLister({ dir: root, stateDir: join(root, 'state') }).validate?.() as Promise<void>, { message: /overlap/ })
})

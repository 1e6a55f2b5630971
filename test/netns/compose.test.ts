import test from 'ava'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { OPTIONS } from '../../src/config/schema.js'

const file = fileURLToPath(new URL('../../../docker-compose.test.yml', import.meta.url))
const KEYGEN_FLAGS = ['--swarm-key', '--identity']

/** the precache argv inside a service's command (array, or a shell string running `precache ...`) */
function precacheArgv (svc: any): string[] | undefined {
  const parts: string[] = Array.isArray(svc.command) ? svc.command : [svc.command]
  if (svc.entrypoint == null) return parts.map(String)
  const m = /(?:^|[\s|;&])(?:exec\s+)?precache\s+(.*)$/s.exec(parts.join(' '))
  return m == null ? undefined : m[1].split(/\s+/).filter(w => w !== '' && w !== '>' && !w.endsWith('/seeder.peerid'))
}

test('docker-compose.test.yml runs only commands and flags the CLI accepts', t => {
  const doc = parse(readFileSync(file, 'utf8'))
  t.truthy(doc.services.seeder)
  t.truthy(doc.services.peer)
  const seen: string[] = []
  for (const [name, svc] of Object.entries<any>(doc.services)) {
    const argv = precacheArgv(svc)
    t.truthy(argv, `${name} runs precache`)
    const [sub, ...rest] = argv as string[]
    seen.push(sub)
    const allowed = sub === 'keygen' ? KEYGEN_FLAGS : ['--config', ...OPTIONS.filter(o => o.flag != null && o.commands.includes(sub as any)).map(o => `--${o.flag as string}`)]
    t.true(['seeder', 'peer', 'keygen'].includes(sub), `${name}: unknown subcommand ${sub}`)
    for (const w of rest.filter(w => w.startsWith('--'))) t.true(allowed.includes(w), `${name}: ${sub} does not accept ${w}`)
  }
  t.deepEqual(seen.sort(), ['keygen', 'peer', 'seeder'])
})

test('docker-compose accepts the file', t => {
  t.true(existsSync('/usr/bin/docker-compose'), 'the docker-compose client is missing: run scripts/netns/install.sh')
  const out = execFileSync('docker-compose', ['-f', file, 'config'], { encoding: 'utf8' })
  t.regex(out, /seeder:/)
})

/**
 * Deployment files that cannot run here (no Docker engine, no init system):
 * checked as far as a machine without them allows.
 */
import test from 'ava'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const INSTRUCTIONS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER',
  'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'])

/** Dockerfile instructions with continuation lines joined and comments dropped */
function instructions (text: string): Array<{ op: string, args: string }> {
  const out: Array<{ op: string, args: string }> = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    pending += (pending === '' ? '' : ' ') + line.replace(/\\$/, '').trim()
    if (line.endsWith('\\')) continue
    const m = /^(\S+)\s+(.*)$/.exec(pending)
    out.push({ op: m?.[1] ?? pending, args: m?.[2] ?? '' })
    pending = ''
  }
  return out
}

test('the Dockerfile is well formed and ships the packaged executable in a stage without Node', t => {
  const ins = instructions(readFileSync(`${root}Dockerfile`, 'utf8'))
  for (const i of ins) t.true(INSTRUCTIONS.has(i.op), `unknown instruction ${i.op}`)
  t.is(ins[0].op, 'FROM')
  const stages = ins.filter(i => i.op === 'FROM')
  t.is(stages.length, 2)
  t.regex(stages[0].args, /^node:24\S* AS build$/, 'built with Node 24 (the pinned binary comes from npm ci)')
  t.true(ins.some(i => i.op === 'RUN' && i.args.includes('npm run package')), 'the build stage runs npm run package')
  const last = ins.slice(ins.indexOf(stages[1]))
  t.notRegex(stages[1].args, /node/, 'the run stage has no Node')
  t.true(last.some(i => i.op === 'COPY' && i.args === '--from=build /src/build/precache /usr/local/bin/precache'))
  t.deepEqual(JSON.parse(last.find(i => i.op === 'ENTRYPOINT')?.args ?? 'null'), ['/usr/local/bin/precache'])
  t.true(last.some(i => i.op === 'USER' && i.args !== 'root'), 'runs as an unprivileged user')
  // every path the build stage copies exists in the repository
  for (const i of ins.slice(0, ins.indexOf(stages[1])).filter(i => i.op === 'COPY')) {
    for (const src of i.args.split(/\s+/).slice(0, -1)) t.true(existsSync(`${root}${src}`), `COPY ${src}: no such path`)
  }
})

test('the systemd units are hardened the way the README says', t => {
  for (const role of ['seeder', 'peer']) {
    const unit = readFileSync(`${root}deploy/systemd/precache-${role}.service`, 'utf8')
    const keys = new Map<string, string[]>()
    for (const line of unit.split('\n')) {
      const m = /^([A-Za-z]+)=(.*)$/.exec(line)
      if (m != null) keys.set(m[1], [...(keys.get(m[1]) ?? []), m[2]])
    }
    const one = (k: string): string | undefined => keys.get(k)?.[0]
    t.regex(one('ExecStart') ?? '', new RegExp(`^/usr/local/bin/precache ${role} `), role)
    t.is(one('Restart'), 'on-failure', role)
    t.is(one('ProtectSystem'), 'strict', role)
    t.is(one('NoNewPrivileges'), 'yes', role)
    t.truthy(one('User'), `${role} runs as a dedicated user`)
    t.not(one('User'), 'root', role)
    t.is(one('CapabilityBoundingSet'), '', `${role} has no capabilities`)
    t.true((one('ReadWritePaths') ?? '').split(/\s+/).includes('/var/lib/precache'), `${role} may write its state dir`)
    t.is(keys.get('MemoryDenyWriteExecute'), undefined, `${role}: V8's JIT aborts under MemoryDenyWriteExecute`)
  }
})

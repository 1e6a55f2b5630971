/**
 * npm run bench:net -- --hosts 8 --rate 100mbit --size 128MiB [--origin-rate 25mbit]
 *   [--slow-hosts 4 --slow-rate 25mbit] [--methods precache,http,bittorrent] [--repeat 3] [--out DIR]
 *   [--seeder-args="…"] [--peer-args="…"]   (extra precache flags, for tuning) [--keep] (keep logs)
 *   [--profile DIR]   (V8 CPU profiles of every precache process, written to DIR)
 *
 * One JSON line per run on stdout; a markdown table of medians and an SVG plot
 * of completion times in --out (default bench-results/). Needs root.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseRate, parseSize } from '../../src/config/units.js'
import { PrecacheError } from '../../src/errors.js'
import { runScenario } from './scenario.js'
import { markdownTable, svgPlot } from './report.js'
import type { RunRecord } from './report.js'
import { METHODS as DEFAULT_METHODS } from './methods.js'
import type { Method } from './run-context.js'
import { precacheMethod } from './method-precache.js'
import { NotRootError } from './topology.js'

const mbit = (text: string, what: string): number => parseRate(text, what) * 8 / 1e6

export interface ScenarioSpec { name: string, hosts: number, rateMbit: number, originMbit: number, slowHosts: number, slowMbit: number }

export function hostRates (s: ScenarioSpec): number[] {
  return Array.from({ length: s.hosts }, (_, i) => i < s.slowHosts ? s.slowMbit : s.rateMbit)
}

export async function runBench (specs: ScenarioSpec[], opts: { sizeBytes: number, methods: string[], repeat: number, out: string, keep?: boolean, available?: Record<string, Method> }): Promise<RunRecord[]> {
  const METHODS = opts.available ?? DEFAULT_METHODS
  for (const m of opts.methods) if (!(m in METHODS)) throw new PrecacheError(`unknown method "${m}": use ${Object.keys(METHODS).join(', ')}`)
  const all: RunRecord[] = []
  for (const spec of specs) {
    const recs = await runScenario({
      name: spec.name,
      hostMbit: hostRates(spec),
      originMbit: spec.originMbit,
      sizeBytes: opts.sizeBytes,
      repeat: opts.repeat,
      keep: opts.keep,
      methods: Object.fromEntries(opts.methods.map(m => [m, METHODS[m]])),
      onRun: r => {
        process.stdout.write(JSON.stringify(r) + '\n')
        process.stderr.write(`${r.scenario} ${r.method}: last ${r.lastSeconds.toFixed(1)} s = ${r.lastOverBound.toFixed(2)}× T* (${r.boundSeconds.toFixed(1)} s), p50 ${r.p50OverBound.toFixed(2)}×, origin egress ${r.originEgressOverSize.toFixed(2)} F, CPU peak ${r.cpuPeakPct.toFixed(0)}%, verified ${String(r.allVerified)}, process CPU ${r.processCpu.userSeconds.toFixed(1)} s user + ${r.processCpu.systemSeconds.toFixed(1)} s system = ${r.cpuSecondsPerGiB.toFixed(1)} CPU-s/GiB delivered (machine ${r.machineCpuSecondsPerGiB.toFixed(1)})\n`)
      }
    })
    all.push(...recs)
  }
  mkdirSync(opts.out, { recursive: true })
  const table = markdownTable(all)
  writeFileSync(join(opts.out, 'table.md'), table)
  writeFileSync(join(opts.out, 'completion.svg'), svgPlot(all))
  process.stderr.write('\n' + table + `\nwrote ${join(opts.out, 'table.md')} and ${join(opts.out, 'completion.svg')}\n`)
  return all
}

export async function main (argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '8' },
      rate: { type: 'string', default: '100mbit' },
      'origin-rate': { type: 'string' },
      'slow-hosts': { type: 'string', default: '0' },
      'slow-rate': { type: 'string' },
      size: { type: 'string', default: '128MiB' },
      methods: { type: 'string', default: 'precache,http,bittorrent' },
      repeat: { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench-results' },
      name: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'seeder-args': { type: 'string', default: '' },
      'peer-args': { type: 'string', default: '' },
      profile: { type: 'string' }
    }
  })
  // extra precache flags, for tuning runs: --seeder-args="--block-size 256KiB" --peer-args="--requests-per-peer 4"
  const words = (s: unknown): string[] => String(s).split(' ').filter(a => a !== '')
  const available = { ...DEFAULT_METHODS, precache: precacheMethod(words(values['seeder-args']), words(values['peer-args']), values.profile) }
  const hosts = Number(values.hosts)
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 60) throw new PrecacheError('--hosts must be 1 to 60')
  const rateMbit = mbit(values.rate as string, '--rate')
  const spec: ScenarioSpec = {
    name: values.name ?? `N=${hosts} @${rateMbit} Mbit/s`,
    hosts,
    rateMbit,
    originMbit: values['origin-rate'] != null ? mbit(values['origin-rate'], '--origin-rate') : rateMbit,
    slowHosts: Number(values['slow-hosts']),
    slowMbit: values['slow-rate'] != null ? mbit(values['slow-rate'], '--slow-rate') : rateMbit / 4
  }
  await runBench([spec], { sizeBytes: parseSize(values.size as string, '--size'), methods: (values.methods as string).split(','), repeat: Number(values.repeat), out: values.out as string, keep: values.keep === true, available })
}

export async function cli (run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (err: any) {
    if (err instanceof NotRootError || err instanceof PrecacheError) {
      process.stderr.write(`bench: ${err.message}\n`)
      process.exitCode = 2
      return
    }
    throw err
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await cli(async () => { await main(process.argv.slice(2)) })

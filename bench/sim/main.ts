/**
 * npm run bench:sim -- --hosts 10000 --rate 10gbit --origin-rate 10gbit --size 10GiB
 *   [--slow-fraction 0.2 --slow-rate 1gbit] [--churn 0.01] [--block-size 16MiB]
 *   [--max-block-peers 32] [--max-neighbours 16] [--latency 0.5ms] [--seed 1] [--json]
 * npm run bench:sim -- --validate   (the four bench:net scenarios, simulated next to the measured runs)
 *
 * A discrete-event, flow-level simulation of one image going to a region,
 * driving the project's own scheduling code (see region.ts, swarm.ts).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseDuration, parseRate, parseSize } from '../../src/config/units.js'
import { PrecacheError } from '../../src/errors.js'
import { runRegion, type RegionInit, type RegionResult } from './region.js'
import { gossipLatency } from './gossip.js'

/** Default block size: the seeder's 1 MiB, doubled until an image has at most 1024 blocks (max 16 MiB) */
export function simBlockSize (size: number): number {
  let bs = 1024 * 1024
  while (size / bs > 1024 && bs < 16 * 1024 * 1024) bs *= 2
  return bs
}

function fmt (r: RegionResult): string {
  return `last ${r.lastSeconds.toFixed(2)} s = ${r.lastOverBound.toFixed(3)}× T* (${r.boundSeconds.toFixed(2)} s), p50 ${r.p50OverBound.toFixed(3)}×, ` +
    `origin egress ${r.originEgressOverSize.toFixed(3)} F, seeder sessions peak ${r.seederPeakSessions} (max_block_peers ${r.maxBlockPeers}), ` +
    `seeder contacted by ${r.seederContacts}, first-pass repeats ${r.firstPassRepeats}, peer sessions peak ${r.peerPeakSessions}, ` +
    `complete ${String(r.allComplete)} [${r.events} events, ${r.recomputations} rate recomputations over ${r.refilledPerRecomputation.toFixed(0)} flows on average, ${r.wallSeconds.toFixed(1)} s wall]`
}

interface Measured { scenario: string, method: string, lastOverBound: number, p50OverBound: number, originEgressOverSize: number, hosts: number, rateMbit: number, originRateMbit: number, sizeBytes: number, hostSeconds: number[], processCpu?: { userSeconds: number, systemSeconds: number } }

const median = (xs: number[]): number => { const s = xs.slice().sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2 }

/** yamux's stream window, which carried the blocks in the measured runs (src/net/node.ts) */
const VALIDATION_WINDOW = 256 * 1024

/**
 * The four bench:net scenarios: each simulated with the same hosts, rates and
 * image, and with one CPU shared by all processes as on the VM (2 cores; CPU
 * seconds per byte delivered as measured in those runs), printed next to the
 * measured medians.
 */
async function validate (runsFile: string, json: boolean): Promise<void> {
  const runs: Measured[] = readFileSync(runsFile, 'utf8').split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
  const scenarios = [...new Set(runs.filter(r => r.method === 'precache').map(r => r.scenario))]
  const rows: string[] = ['| scenario | measured last / T* | simulated | Δ | measured p50 / T* | simulated | Δ | measured egress / F | simulated | CPU-s per GiB delivered (measured, input) |', '|---|---|---|---|---|---|---|---|---|---|']
  for (const name of scenarios) {
    const rs = runs.filter(r => r.method === 'precache' && r.scenario === name)
    const r0 = rs[0]
    const slow = /half at (\d+)/.exec(name)
    const cpuPerByte = median(rs.map(r => (r.processCpu?.userSeconds ?? 0) + (r.processCpu?.systemSeconds ?? 0))) / (r0.hosts * r0.sizeBytes)
    // as many simulated runs (seeds) as measured ones, medians of each
    const sims = rs.map((_, k) => runRegion({
      seed: k + 1,
      hosts: r0.hosts,
      rate: r0.rateMbit * 1e6 / 8,
      originRate: r0.originRateMbit * 1e6 / 8,
      sizeBytes: r0.sizeBytes,
      blockSize: 1024 * 1024,
      slowFraction: slow != null ? 0.5 : 0,
      slowRate: slow != null ? Number(slow[1]) * 1e6 / 8 : undefined,
      cpu: cpuPerByte > 0 ? { cores: 2, secondsPerByte: cpuPerByte } : undefined,
      window: VALIDATION_WINDOW,
      headOfLine: true,
      quantum: 0.001
    }))
    const sim = { lastOverBound: median(sims.map(x => x.lastOverBound)), p50OverBound: median(sims.map(x => x.p50OverBound)), originEgressOverSize: median(sims.map(x => x.originEgressOverSize)) }
    const m = { last: median(rs.map(r => r.lastOverBound)), p50: median(rs.map(r => r.p50OverBound)), egress: median(rs.map(r => r.originEgressOverSize)) }
    const d = (s: number, x: number): string => `${((s / x - 1) * 100).toFixed(0)}%`
    if (json) process.stdout.write(JSON.stringify({ scenario: name, measured: m, simulated: { last: sim.lastOverBound, p50: sim.p50OverBound, egress: sim.originEgressOverSize }, cpuSecondsPerGiB: cpuPerByte * 2 ** 30 }) + '\n')
    rows.push(`| ${name} | ${m.last.toFixed(2)}× | ${sim.lastOverBound.toFixed(2)}× | ${d(sim.lastOverBound, m.last)} | ${m.p50.toFixed(2)}× | ${sim.p50OverBound.toFixed(2)}× | ${d(sim.p50OverBound, m.p50)} | ${m.egress.toFixed(2)} | ${sim.originEgressOverSize.toFixed(2)} | ${(cpuPerByte * 2 ** 30).toFixed(0)} |`)
  }
  process.stderr.write(rows.join('\n') + '\n')
}

export async function main (argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '10gbit' },
      'origin-rate': { type: 'string' },
      size: { type: 'string', default: '10GiB' },
      'block-size': { type: 'string' },
      'slow-fraction': { type: 'string', default: '0' },
      'slow-rate': { type: 'string' },
      churn: { type: 'string', default: '0' },
      'churn-downtime': { type: 'string', default: '5s' },
      latency: { type: 'string', default: '0.5ms' },
      'max-block-peers': { type: 'string' },
      'max-neighbours': { type: 'string' },
      quantum: { type: 'string' },
      'upload-slots': { type: 'string' },
      'seeder-slots': { type: 'string' },
      lookahead: { type: 'string' },
      'request-budget': { type: 'string' },
      seed: { type: 'string', default: '1' },
      validate: { type: 'boolean', default: false },
      runs: { type: 'string', default: 'docs/bench/runs.jsonl' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) {
    process.stdout.write(readFileSync(new URL(import.meta.url)).toString().split('*/')[0].replace(/^\/\*\*?\n?/, '').replace(/^ \* ?/gm, '') + '\n')
    return
  }
  if (values.validate) { await validate(values.runs, values.json); return }
  const num = (text: string, what: string, min: number, max: number): number => {
    const v = Number(text)
    if (!Number.isFinite(v) || v < min || v > max) throw new PrecacheError(`--${what} must be a number from ${min} to ${max}, got "${text}"`)
    return v
  }
  const size = parseSize(values.size, '--size')
  const rate = parseRate(values.rate, '--rate')
  if (rate <= 0) throw new PrecacheError('--rate must be above 0')
  const init: RegionInit = {
    hosts: num(values.hosts, 'hosts', 1, 100_000),
    rate,
    originRate: values['origin-rate'] != null ? parseRate(values['origin-rate'], '--origin-rate') : rate,
    sizeBytes: size,
    blockSize: values['block-size'] != null ? parseSize(values['block-size'], '--block-size') : simBlockSize(size),
    slowFraction: num(values['slow-fraction'], 'slow-fraction', 0, 1),
    slowRate: values['slow-rate'] != null ? parseRate(values['slow-rate'], '--slow-rate') : undefined,
    churn: num(values.churn, 'churn', 0, 1),
    churnDowntime: parseDuration(values['churn-downtime'], '--churn-downtime') / 1000,
    latency: parseDuration(values.latency, '--latency') / 1000,
    maxBlockPeers: values['max-block-peers'] != null ? num(values['max-block-peers'], 'max-block-peers', 1, 100_000) : undefined,
    maxNeighbours: values['max-neighbours'] != null ? num(values['max-neighbours'], 'max-neighbours', 1, 1000) : undefined,
    quantum: values.quantum != null ? num(values.quantum, 'quantum', 0, 1) : undefined,
    uploadSlots: values['upload-slots'] != null ? num(values['upload-slots'], 'upload-slots', 1, 1000) : undefined,
    seederSlots: values['seeder-slots'] != null ? num(values['seeder-slots'], 'seeder-slots', 1, 1000) : undefined,
    requestBudget: values['request-budget'] != null ? num(values['request-budget'], 'request-budget', 1, 10000) : undefined,
    lookahead: values.lookahead != null ? num(values.lookahead, 'lookahead', 1, 10000) : undefined,
    seed: num(values.seed, 'seed', 0, 2 ** 31)
  }
  if (init.originRate <= 0) throw new PrecacheError('--origin-rate must be above 0')
  if ((init.slowFraction ?? 0) > 0 && init.slowRate == null) throw new PrecacheError('--slow-fraction needs --slow-rate')
  const r = runRegion(init)
  const g = gossipLatency({ hosts: init.hosts, latency: init.latency ?? 0.0005, seed: init.seed })
  const { hostSeconds: _, ...summary } = r
  if (values.json) process.stdout.write(JSON.stringify({ ...summary, announcement: g }) + '\n')
  process.stderr.write(`${init.hosts} hosts, ${values.size} in ${r.blockSize / 2 ** 20} MiB blocks: ${fmt(r)}\n`)
  process.stderr.write(`announcement: p50 ${(g.p50 * 1000).toFixed(0)} ms, p99 ${(g.p99 * 1000).toFixed(0)} ms, last ${(g.last * 1000).toFixed(0)} ms, by gossip ${g.byGossip} / pull ${g.byPull}\n`)
  if (!r.allComplete) process.exitCode = 1
}

const isMain = process.argv[1] != null && import.meta.url.endsWith(process.argv[1].split('/').slice(-3).join('/'))
if (isMain) {
  main(process.argv.slice(2)).catch((err: any) => {
    process.stderr.write(`${err instanceof PrecacheError ? '' : 'unexpected: '}${err.message}\n`)
    process.exit(err instanceof PrecacheError ? 2 : 1)
  })
}

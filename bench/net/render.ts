/**
 * Re-renders the table and plot from saved JSON lines (e.g. to combine runs):
 *   node dist/bench/net/render.js runs1.jsonl runs2.jsonl --out bench-results
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { markdownTable, svgPlot } from './report.js'
import type { RunRecord } from './report.js'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: 'bench-results' } } })
const runs: RunRecord[] = positionals.flatMap(f => readFileSync(f, 'utf8').split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as RunRecord))
const order = ['precache', 'bittorrent', 'http']
const scenarios = [...new Set(runs.map(r => r.scenario))]
runs.sort((a, b) => scenarios.indexOf(a.scenario) - scenarios.indexOf(b.scenario) || order.indexOf(a.method) - order.indexOf(b.method))
mkdirSync(values.out as string, { recursive: true })
writeFileSync(join(values.out as string, 'table.md'), markdownTable(runs))
writeFileSync(join(values.out as string, 'completion.svg'), svgPlot(runs))
process.stdout.write(markdownTable(runs))

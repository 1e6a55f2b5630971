/**
 * The fault suite's table: every scenario records what was expected, the
 * figure observed and whether it passed. Each test file prints the table so
 * far (its rows and those of the files that ran before it) and writes it to
 * `fault-suite.txt` at the top of the checkout.
 */
import type { ExecutionContext } from 'ava'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Row { scenario: string, expectation: string, observed: string, pass: boolean }

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DIR = join(ROOT, '.fault-suite')
const rows: Row[] = []

/** Records a row (and logs it with the test); returns `pass` so the caller can assert on it */
export function record (t: ExecutionContext, row: Row): boolean {
  rows.push(row)
  t.log(`${row.pass ? 'PASS' : 'FAIL'} | ${row.scenario} | expected: ${row.expectation} | observed: ${row.observed}`)
  return row.pass
}

function format (all: Row[]): string {
  const head: Row = { scenario: 'scenario', expectation: 'expectation', observed: 'observed', pass: true }
  const cells = (r: Row, h = false): string[] => [r.scenario, r.expectation, r.observed, h ? 'result' : r.pass ? 'pass' : 'FAIL']
  const widths = [0, 1, 2, 3].map(i => Math.max(...[head, ...all].map((r, k) => cells(r, k === 0)[i].length)))
  const line = (c: string[]): string => '| ' + c.map((x, i) => x.padEnd(widths[i])).join(' | ') + ' |'
  return [line(cells(head, true)), '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|', ...all.map(r => line(cells(r)))].join('\n') + '\n'
}

/** Saves this file's rows, then prints and writes the table of every group recorded so far */
export function publish (group: string): void {
  mkdirSync(DIR, { recursive: true })
  writeFileSync(join(DIR, `${group}.json`), JSON.stringify(rows))
  const all = readdirSync(DIR).filter(f => f.endsWith('.json')).sort().flatMap(f => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Row[])
  const table = format(all)
  writeFileSync(join(ROOT, 'fault-suite.txt'), table)
  process.stdout.write(`\nFault suite (${all.length} scenarios so far, also in fault-suite.txt):\n${table}`)
}

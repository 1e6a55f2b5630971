/** Medians table (markdown) and an SVG plot of completion times */
import type { CompletionFigures } from './bound.js'

export interface RunRecord extends CompletionFigures {
  method: string
  hosts: number
  rateMbit: number
  originRateMbit: number
  cpuPeakPct: number
  cpuInfluenced: boolean
  allVerified: boolean
  hostSeconds: number[]
  scenario: string
  /** user and system CPU seconds of the method's own processes over its timed part (precache: from the image's arrival; others: from the hosts' start) */
  processCpu: { userSeconds: number, systemSeconds: number }
  /** the method's own processes' CPU seconds ÷ GiB delivered to all hosts */
  cpuSecondsPerGiB: number
  /** whole-machine busy CPU seconds over the same window ÷ GiB delivered (includes anything else running) */
  machineCpuSecondsPerGiB: number
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export function markdownTable (runs: RunRecord[]): string {
  const groups = new Map<string, RunRecord[]>()
  for (const r of runs) {
    const k = `${r.scenario}\u0000${r.method}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  const lines = ['| scenario | method | runs | last host / T* | p50 / T* | origin egress / F | CPU-s per GiB (own processes / machine) | CPU peak | verified |', '|---|---|---|---|---|---|---|---|---|']
  for (const rs of groups.values()) {
    const r0 = rs[0]
    const cpu = median(rs.map(r => r.cpuPeakPct))
    lines.push(`| ${r0.scenario} | ${r0.method} | ${rs.length} | ${median(rs.map(r => r.lastOverBound)).toFixed(2)}× | ${median(rs.map(r => r.p50OverBound)).toFixed(2)}× | ${median(rs.map(r => r.originEgressOverSize)).toFixed(2)} | ${median(rs.map(r => r.cpuSecondsPerGiB)).toFixed(1)} / ${median(rs.map(r => r.machineCpuSecondsPerGiB)).toFixed(1)} | ${cpu.toFixed(0)}%${rs.some(r => r.cpuInfluenced) ? ' (CPU-influenced)' : ''} | ${rs.every(r => r.allVerified) ? 'yes' : 'NO'} |`)
  }
  return lines.join('\n') + '\n'
}

const COLORS: Record<string, string> = { precache: '#1b7f3b', bittorrent: '#d9822b', http: '#b02a37' }

/** Completion curves: hosts done (y) over time as a multiple of T* (x), one panel per scenario */
export function svgPlot (runs: RunRecord[]): string {
  const scenarios = [...new Set(runs.map(r => r.scenario))]
  const W = 520
  const H = 260
  const pad = 50
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H * scenarios.length}" font-family="sans-serif" font-size="11">`]
  scenarios.forEach((sc, si) => {
    const rs = runs.filter(r => r.scenario === sc)
    const y0 = si * H
    const maxX = Math.max(2, ...rs.map(r => r.lastOverBound)) * 1.05
    const n = Math.max(...rs.map(r => r.hosts))
    const x = (v: number): number => pad + (W - pad - 20) * v / maxX
    const y = (v: number): number => y0 + H - pad + 10 - (H - pad - 20) * v / n
    out.push(`<text x="${pad}" y="${y0 + 14}" font-weight="bold">${sc}</text>`)
    out.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(maxX)}" y2="${y(0)}" stroke="#000"/><line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(n)}" stroke="#000"/>`)
    out.push(`<line x1="${x(1)}" y1="${y(0)}" x2="${x(1)}" y2="${y(n)}" stroke="#888" stroke-dasharray="4 3"/><text x="${x(1) + 3}" y="${y(n) + 10}" fill="#555">T*</text>`)
    for (let t = 0; t <= maxX; t += maxX > 8 ? 2 : 1) out.push(`<text x="${x(t)}" y="${y(0) + 14}" text-anchor="middle">${t}×</text>`)
    out.push(`<text x="${(W) / 2}" y="${y(0) + 28}" text-anchor="middle">time / T*</text><text x="12" y="${y(n / 2)}" transform="rotate(-90 12 ${y(n / 2)})" text-anchor="middle">hosts done</text>`)
    const methods = [...new Set(rs.map(r => r.method))]
    methods.forEach((m, mi) => {
      const color = COLORS[m] ?? '#333'
      for (const r of rs.filter(r => r.method === m)) {
        const ts = [...r.hostSeconds].sort((a, b) => a - b).map(s => s / r.boundSeconds)
        let d = `M ${x(0)} ${y(0)}`
        ts.forEach((t, i) => { d += ` L ${x(t)} ${y(i)} L ${x(t)} ${y(i + 1)}` })
        out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5" opacity="0.8"/>`)
      }
      out.push(`<rect x="${W - 130}" y="${y0 + 24 + mi * 14}" width="10" height="10" fill="${color}"/><text x="${W - 115}" y="${y0 + 33 + mi * 14}">${m}</text>`)
    })
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

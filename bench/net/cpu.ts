/** Samples whole-machine CPU use from /proc/stat; reports the peak of 1-second windows */
import { readFileSync } from 'node:fs'

function read (): { busy: number, total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = f[3] + (f[4] ?? 0)
  const total = f.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

export function startCpuSampler (): { stop: () => number } {
  let last = read()
  let peak = 0
  const timer = setInterval(() => {
    const now = read()
    const dt = now.total - last.total
    if (dt > 0) peak = Math.max(peak, 100 * (now.busy - last.busy) / dt)
    last = now
  }, 1000)
  return { stop: () => { clearInterval(timer); return peak } }
}

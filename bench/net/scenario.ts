/** One scenario: build the namespaces, run each method `repeat` times, verify, measure */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRandomImage, sha256File } from '../../src/demo/image.js'
import { lowerBoundSeconds, mbitToBytes } from './bound.js'
import { startCpuSampler } from './cpu.js'
import { startTreeCpu } from '../proc.js'
import { createTopology } from './topology.js'
import type { Method } from './run-context.js'
import { median } from './report.js'
import type { RunRecord } from './report.js'

export interface ScenarioInit {
  name: string
  /** per-host rate in Mbit/s (up = down) */
  hostMbit: number[]
  originMbit: number
  sizeBytes: number
  methods: Record<string, Method>
  repeat: number
  /** called with each finished run */
  onRun?: (r: RunRecord) => void
  /** keep the work folder (logs) */
  keep?: boolean
}

export async function runScenario (s: ScenarioInit): Promise<RunRecord[]> {
  const base = mkdtempSync(join(tmpdir(), 'pcsim-'))
  const imagePath = join(base, 'image.raw')
  const sha256 = await writeRandomImage(imagePath, s.sizeBytes)
  // servers that drop privileges (nginx, opentracker) must read the image
  chmodSync(base, 0o755)
  chmodSync(imagePath, 0o644)
  const boundSeconds = lowerBoundSeconds({
    sizeBytes: s.sizeBytes,
    originUp: mbitToBytes(s.originMbit),
    hosts: s.hostMbit.map(m => ({ up: mbitToBytes(m), down: mbitToBytes(m) }))
  })
  const records: RunRecord[] = []
  try {
    for (let rep = 0; rep < s.repeat; rep++) {
      for (const [method, run] of Object.entries(s.methods)) {
        const workDir = join(base, `${method}-${rep}`)
        const topo = createTopology({ hostMbit: s.hostMbit, originMbit: s.originMbit })
        const onSignal = (): void => { topo.destroy(); process.exit(130) }
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        try {
          await new Promise(resolve => setTimeout(resolve, 1000)) // let the machine go quiet
          const cpu = startCpuSampler()
          const tree = startTreeCpu()
          const result = await run({ topo, hosts: s.hostMbit.length, sizeBytes: s.sizeBytes, imagePath, sha256, workDir, markCpu: tree.mark, stopCpu: () => { tree.stop() } })
          const used = tree.stop()
          const cpuPeakPct = cpu.stop()
          const delivered = s.hostMbit.length * s.sizeBytes / 1024 ** 3
          topo.destroy()
          const verified = await Promise.all(result.hosts.map(async h => await sha256File(h.file).then(x => x === sha256, () => false)))
          const secs = result.hosts.map(h => h.seconds)
          const last = Math.max(...secs)
          const rec: RunRecord = {
            scenario: s.name,
            method,
            hosts: s.hostMbit.length,
            rateMbit: Math.max(...s.hostMbit),
            originRateMbit: s.originMbit,
            sizeBytes: s.sizeBytes,
            boundSeconds,
            lastSeconds: last,
            p50Seconds: median(secs),
            lastOverBound: last / boundSeconds,
            p50OverBound: median(secs) / boundSeconds,
            originEgressOverSize: result.originEgressBytes / s.sizeBytes,
            cpuPeakPct,
            cpuInfluenced: cpuPeakPct > 85,
            allVerified: verified.every(Boolean) && secs.every(Number.isFinite),
            hostSeconds: secs,
            processCpu: { userSeconds: used.userSeconds, systemSeconds: used.systemSeconds },
            cpuSecondsPerGiB: (used.userSeconds + used.systemSeconds) / delivered,
            machineCpuSecondsPerGiB: used.machineBusySeconds / delivered
          }
          records.push(rec)
          s.onRun?.(rec)
          if (s.keep !== true) rmSync(workDir, { recursive: true, force: true })
        } finally {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          topo.destroy()
        }
      }
    }
  } finally {
    if (s.keep !== true) rmSync(base, { recursive: true, force: true })
    else process.stderr.write(`kept logs and files in ${base}\n`)
  }
  return records
}

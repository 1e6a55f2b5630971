/** CPU time of processes and of the machine, from /proc (Linux) */
import { readdirSync, readFileSync } from 'node:fs'

/** clock ticks per second of /proc times (USER_HZ) */
const TICKS_PER_SECOND = 100

export interface CpuTime { userSeconds: number, systemSeconds: number }

/** parent pid and user/system CPU of a process (its own threads, not its children); undefined once it is gone */
function stat (pid: number): { ppid: number, cpu: CpuTime } | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return {
      ppid: Number(f[1]),
      cpu: { userSeconds: Number(f[11]) / TICKS_PER_SECOND, systemSeconds: Number(f[12]) / TICKS_PER_SECOND }
    }
  } catch {
    return undefined
  }
}

/** User and system CPU seconds a process has used so far; zero once it is gone */
export function cpuSeconds (pid: number): CpuTime {
  return stat(pid)?.cpu ?? { userSeconds: 0, systemSeconds: 0 }
}

/** Busy CPU seconds of the whole machine so far (all cores, from /proc/stat) */
export function machineBusySeconds (): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = f[3] + (f[4] ?? 0)
  return (f.reduce((a, b) => a + b, 0) - idle) / TICKS_PER_SECOND
}

/**
 * CPU of every process descended from `root` (not `root` itself), sampled
 * every `intervalMs` so that processes which exit between start and stop
 * still count up to their last sample (a process's last interval before it
 * exits is lost: at most `intervalMs` of CPU each). `mark()` starts the
 * window: CPU used before it is not counted; the first `stop()` ends it.
 */
export function startTreeCpu (root = process.pid, intervalMs = 250): { mark: () => void, stop: () => CpuTime & { machineBusySeconds: number } } {
  const last = new Map<number, CpuTime>()
  const base = new Map<number, CpuTime>()
  let machineBase = machineBusySeconds()
  let result: (CpuTime & { machineBusySeconds: number }) | undefined
  const sample = (): void => {
    const parent = new Map<number, number>()
    const cpu = new Map<number, CpuTime>()
    for (const name of readdirSync('/proc')) {
      const pid = Number(name)
      if (!Number.isInteger(pid)) continue
      const s = stat(pid)
      if (s == null) continue
      parent.set(pid, s.ppid)
      cpu.set(pid, s.cpu)
    }
    for (const [pid, c] of cpu) {
      let p = parent.get(pid)
      for (let depth = 0; p != null && p > 1 && p !== root && depth < 32; depth++) p = parent.get(p)
      if (p === root) last.set(pid, c)
    }
  }
  const timer = setInterval(sample, intervalMs)
  timer.unref()
  sample()
  return {
    mark () {
      sample()
      base.clear()
      for (const [pid, c] of last) base.set(pid, c)
      machineBase = machineBusySeconds()
    },
    stop () {
      if (result != null) return result
      sample()
      clearInterval(timer)
      let userSeconds = 0
      let systemSeconds = 0
      for (const [pid, c] of last) {
        const b = base.get(pid)
        userSeconds += c.userSeconds - (b?.userSeconds ?? 0)
        systemSeconds += c.systemSeconds - (b?.systemSeconds ?? 0)
      }
      result = { userSeconds, systemSeconds, machineBusySeconds: machineBusySeconds() - machineBase }
      return result
    }
  }
}

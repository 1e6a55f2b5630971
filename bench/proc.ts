/** CPU time of a running process, from /proc (Linux) */
import { readFileSync } from 'node:fs'

/** clock ticks per second of /proc/<pid>/stat times (USER_HZ) */
const TICKS_PER_SECOND = 100

/** User and system CPU seconds a process has used so far; zero once it is gone */
export function cpuSeconds (pid: number): { userSeconds: number, systemSeconds: number } {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return { userSeconds: Number(f[11]) / TICKS_PER_SECOND, systemSeconds: Number(f[12]) / TICKS_PER_SECOND }
  } catch {
    return { userSeconds: 0, systemSeconds: 0 }
  }
}

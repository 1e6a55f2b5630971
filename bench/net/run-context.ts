/** What every method gets for one run, and what it returns */
import { spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostNs } from './topology.js'
import type { Topology } from './topology.js'

export interface RunContext {
  topo: Topology
  hosts: number
  sizeBytes: number
  /** the image on the shared file system (all namespaces see it) */
  imagePath: string
  sha256: string
  /** a fresh folder for this run */
  workDir: string
  /** starts the CPU window: call when the method's timed part begins */
  markCpu: () => void
  /** ends the CPU window: call when the last host has the image (before stopping processes) */
  stopCpu: () => void
}

export interface HostResult { host: number, seconds: number, file: string }

export interface MethodResult {
  hosts: HostResult[]
  originEgressBytes: number
}

export type Method = (ctx: RunContext) => Promise<MethodResult>

/**
 * A start barrier that does not poll: an exclusive flock held by a helper
 * process; waiters run `flock -s FILE true`, which blocks in the kernel until
 * `release()` kills the holder.
 */
export async function createBarrier (file: string): Promise<{ release: () => number }> {
  const holder: ChildProcess = spawn('flock', ['-x', file, 'sleep', '1000000'], { detached: true, stdio: 'ignore' })
  // wait until the lock is really held
  for (;;) {
    const probe = spawn('flock', ['-n', '-s', file, 'true'])
    const code = await new Promise<number | null>(resolve => probe.once('exit', resolve))
    if (code !== 0) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return {
    release () {
      const t0 = Date.now()
      process.kill(-(holder.pid as number), 'SIGKILL')
      return t0
    }
  }
}

/** Reads an epoch-seconds timestamp (from `date +%s.%N`) written by a host wrapper */
export function readEpochMs (file: string): number | undefined {
  try {
    const v = Number(readFileSync(file, 'utf8').trim())
    return Number.isFinite(v) && v > 0 ? v * 1000 : undefined
  } catch {
    return undefined
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Waits until `check` is true, or throws after `timeoutMs` */
export async function until (what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`)
    await sleep(50)
  }
}

/**
 * Starts `command(i)` on every host behind one barrier, then releases them all
 * at once. Returns the release time and the origin's byte counter just before.
 */
export async function startHostsTogether (ctx: RunContext, dir: string, command: (i: number) => string,
  opts: (i: number) => SpawnOptions = () => ({ stdio: 'ignore' })): Promise<{ t0: number, before: number, procs: ChildProcess[] }> {
  const lock = join(dir, 'barrier')
  writeFileSync(lock, '')
  const barrier = await createBarrier(lock)
  const procs = Array.from({ length: ctx.hosts }, (_, i) => ctx.topo.spawnIn(hostNs(i), 'bash', ['-c', `flock -s ${lock} true; ${command(i)}`], opts(i)))
  await sleep(300) // every host is now blocked on the lock
  const before = ctx.topo.originTxBytes()
  ctx.markCpu()
  return { t0: barrier.release(), before, procs }
}

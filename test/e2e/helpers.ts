import { spawn } from 'node:child_process'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCluster } from '../../src/demo/cluster.js'
import type { Cluster, PeerHandle } from '../../src/demo/cluster.js'
import { CLI_ENTRY, NODE_FLAGS } from '../../src/demo/processes.js'
import type { PeerImageStatus } from '../../src/roles/status.js'

export async function newCluster (name: string, opts: { seederArgs?: string[], peerArgs?: string[] } = {}): Promise<Cluster> {
  return await createCluster({ dir: await mkdtemp(join(tmpdir(), `pc-${name}-`)), ...opts })
}

/** Polls `check` every 100 ms until it returns a value other than undefined/false */
export async function waitFor<T> (what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

export async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

/** the image entry in a peer's status file */
export async function imageStatus (c: Cluster, p: PeerHandle, imageId: string): Promise<PeerImageStatus | undefined> {
  return (await c.peerStatus(p))?.images.find(i => i.imageId === imageId)
}

export async function waitCached (c: Cluster, p: PeerHandle, imageId: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(`${p.child.name} to cache ${imageId} (log: ${p.child.logFile})`, async () => {
    if (p.child.proc.exitCode != null) throw new Error(`${p.child.name} exited: ${await readFile(p.child.logFile, 'utf8')}`)
    return await exists(join(p.cacheDir, imageId)) && (await imageStatus(c, p, imageId))?.state === 'placed'
  }, timeoutMs)
}

export interface Run { code: number | null, stderr: string }

/** Runs precache to its end (as user nobody when `asNobody` and we are root) */
export async function precache (args: string[], asNobody = false): Promise<Run> {
  const ids = asNobody && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
  const proc = spawn(process.execPath, [...NODE_FLAGS, CLI_ENTRY, ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...ids })
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const killer = setTimeout(() => { proc.kill('SIGKILL') }, 60_000)
  const code = await new Promise<number | null>(resolve => { proc.once('exit', c => { resolve(c) }) })
  clearTimeout(killer)
  return { code, stderr }
}

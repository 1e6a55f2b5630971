/** Small helpers shared by the fault-suite files */
import { open, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Cluster, PeerHandle } from '../../src/demo/cluster.js'
import { imageStatus, waitFor } from '../e2e/helpers.js'

export const MiB = 1024 * 1024
/** Deadline for anything a loaded 2-core machine may take long for (a process start, a transfer): 4 min */
export const LONG = 240_000

export const seederStatusFile = (c: Cluster): string => join(c.dir, 'seeder', 'status.json')

/** the seeder's status entry for an image, once it serves it */
export async function waitServed (c: Cluster, imageId: string, timeoutMs = LONG): Promise<any> {
  return await waitFor(`the seeder to serve ${imageId}`, async () => (await c.seederStatus())?.images?.find((i: any) => i.imageId === imageId), timeoutMs)
}

/** waits until a peer holds at least `blocks` verified blocks of an image (and not all) */
export async function waitPartial (c: Cluster, p: PeerHandle, imageId: string, blocks: number): Promise<number> {
  return await waitFor(`${p.child.name} to hold ${blocks} blocks of ${imageId}`, async () => {
    const s = await imageStatus(c, p, imageId)
    return s != null && s.have >= blocks && s.have < s.blocks ? s.have as number : undefined
  }, LONG)
}

/** overwrites `length` bytes at `offset` of a file in place (same inode) */
export async function corrupt (path: string, offset: number, length = 16): Promise<void> {
  const fh = await open(path, 'r+')
  try { await fh.write(Buffer.alloc(length, 0xa5), 0, length, offset) } finally { await fh.close() }
}

/** block indexes a `.progress` record claims as verified */
export async function recordedBlocks (progressFile: string, blocks: number): Promise<number[]> {
  const bits = await readFile(progressFile)
  return [...Array(blocks).keys()].filter(i => (bits[i >> 3] & (0x80 >> (i & 7))) !== 0)
}

/** the staging folder of a peer's directory cache and the files in it */
export async function staged (p: PeerHandle): Promise<string[]> {
  return await readdir(join(p.cacheDir, '.precache')).catch((): string[] => [])
}

export async function killHard (child: { proc: { kill: (s: NodeJS.Signals) => boolean }, exited: Promise<unknown> }): Promise<void> {
  child.proc.kill('SIGKILL')
  await child.exited
}

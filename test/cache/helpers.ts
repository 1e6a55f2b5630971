/** Helpers for the cache-lifecycle tests (real processes): markers that prove a cached file was never replaced */
import { link, mkdir, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import type { Cluster, PeerHandle } from '../../src/demo/cluster.js'
import { stopAll } from '../../src/demo/processes.js'
import { waitFor } from '../e2e/helpers.js'
import type { SeederStatus, SeederView } from '../../src/roles/status.js'

/**
 * Hard-links a cached file into `<peer dir>/marks/`: while the cached file is
 * the same file, its link count stays 2; a deleted and re-placed file has 1
 */
export async function mark (path: string, markDir: string, name: string): Promise<void> {
  await mkdir(markDir, { recursive: true })
  await link(path, join(markDir, name))
}

/** true when `path` is still the very file that `mark` linked */
export async function sameFile (path: string, markDir: string, name: string): Promise<boolean> {
  const [a, b] = await Promise.all([stat(path).catch(() => undefined), stat(join(markDir, name))])
  return a != null && a.ino === b.ino && a.nlink === 2
}

export async function seederStatus (c: Cluster): Promise<SeederStatus | undefined> {
  return await c.seederStatus()
}

/** SIGTERM the seeder, wait for it to exit, optionally touch the images (so it re-hashes them) and start it again */
export async function restartSeeder (c: Cluster, opts: { args?: string[], touch?: string[], onStopped?: () => Promise<void> } = {}): Promise<void> {
  if (c.seeder != null) await stopAll([c.seeder])
  await opts.onStopped?.()
  const now = new Date()
  for (const f of opts.touch ?? []) await utimes(join(c.imagesDir, f), now, now)
  await c.startSeeder({ args: opts.args })
}

/** the peer's view of one seeder in its status file */
export async function seederView (c: Cluster, p: PeerHandle): Promise<SeederView | undefined> {
  return (await c.peerStatus(p))?.seeders.find(s => s.peerId === c.seederId)
}

/**
 * Waits until the peer applied a catalogue from the seeder process started
 * after `since` (its status counts catalogues per seeder)
 */
export async function waitCatalogue (c: Cluster, p: PeerHandle, after: number, timeoutMs = 60_000): Promise<SeederView> {
  return await waitFor(`${p.child.name} to get a catalogue from the restarted seeder`, async () => {
    const v = await seederView(c, p)
    return v != null && v.catalogues > after ? v : undefined
  }, timeoutMs)
}

/** SIGTERM a peer, wait for it to exit, and start it again with the same folders (its old status file removed first) */
export async function restartPeer (c: Cluster, p: PeerHandle): Promise<PeerHandle> {
  await stopAll([p.child])
  await rm(p.statusFile, { force: true })
  return await c.startPeer(p.index)
}

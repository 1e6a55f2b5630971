/**
 * `precache demo`: a random image, one seeder and N peers as separate
 * processes on loopback, live progress, a verified result.
 */
import { mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PrecacheError } from '../errors.js'
import { formatBytes } from '../config/units.js'
import { createCluster, seederSentBytes } from './cluster.js'
import type { PeerHandle } from './cluster.js'
import { sha256File, writeRandomImage } from './image.js'
import { createProgress } from './progress.js'

/** What the progress shows for a peer that has not heard of the demo image yet (not the cache state `waiting`, which means waiting for disk space). */
const UNANNOUNCED = 'unannounced'

export interface DemoOptions { peers: number, size: number, blockSize?: number, timeoutMs: number, keep: boolean }

export interface DemoResult {
  peers: number
  sizeBytes: number
  seconds: number
  originEgressBytes: number
  originEgressRatio: number
  allVerified: boolean
  perPeer: Array<{ peer: string, seconds: number, verified: boolean, receivedBytes: number, sentBytes: number }>
}

export class DemoFailedError extends PrecacheError {
  override readonly name = 'DemoFailedError'
}

const IMAGE = 'demo-image.raw'
/** Wait before the summary: one more status snapshot from every process (just over DEFAULT_STATUS_INTERVAL) */
const LAST_SNAPSHOT_WAIT = 1200

export async function runDemo (opts: DemoOptions, out: NodeJS.WriteStream, signal: AbortSignal): Promise<DemoResult> {
  const dir = await mkdtemp(join(tmpdir(), 'precache-demo-'))
  // --interval 1s: the image is dropped in once every peer is up, and the
  // seeder's next listing (within a second) picks it up
  const cluster = await createCluster({ dir, seederArgs: ['--interval', '1s', ...(opts.blockSize != null ? ['--block-size', String(opts.blockSize)] : [])] })
  try {
    out.write(`writing a ${formatBytes(opts.size)} random image in ${dir}\n`)
    // written beside the images folder, renamed into it when complete
    const staged = join(dir, `${IMAGE}.writing`)
    const sha = await writeRandomImage(staged, opts.size)
    const seeder = await cluster.startSeeder()
    const deadline = Date.now() + opts.timeoutMs
    for (let i = 1; i <= opts.peers; i++) await cluster.startPeer(i)
    out.write(`seeder ${cluster.seederId} and ${opts.peers} peers starting (logs in ${dir})\n`)
    const check = (): void => {
      if (signal.aborted) throw new DemoFailedError('interrupted')
      if (Date.now() > deadline) throw new DemoFailedError(`not finished after ${opts.timeoutMs / 1000}s; see the logs in ${dir} (use --keep to keep them)`)
      for (const c of [seeder, ...cluster.peers.map(p => p.child)]) {
        if (c.proc.exitCode != null) throw new DemoFailedError(`${c.name} exited with code ${c.proc.exitCode}; its log: ${c.logFile}`)
      }
    }
    // as deployed, peers run before an image appears: wait until every peer
    // has the seeder's catalogue (the seeder keeps a connection to only a few
    // peers; the others hear it through them)
    const hasCatalogue = async (p: PeerHandle): Promise<boolean> => {
      const view = (await cluster.peerStatus(p).catch(() => undefined))?.seeders?.find(s => s.peerId === cluster.seederId)
      return view != null && view.catalogues > 0 && view.complete
    }
    while (!(await Promise.all(cluster.peers.map(hasCatalogue))).every(Boolean)) {
      check()
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    await rename(staged, join(cluster.imagesDir, IMAGE))
    out.write('every peer is up; the image is in the seeder\'s folder\n')
    const progress = createProgress(out, opts.size)
    const finished = new Map<number, number>()
    let seenServed: number | undefined
    while (finished.size < opts.peers) {
      check()
      if (seenServed == null && (await cluster.seederStatus())?.images.some(i => i.imageId === IMAGE && i.state === 'announced') === true) seenServed = Date.now()
      const rows = []
      for (const p of cluster.peers) {
        const img = (await cluster.peerStatus(p))?.images.find(i => i.imageId === IMAGE)
        const placed = await stat(join(p.cacheDir, IMAGE)).catch(() => undefined)
        // the verified copy is renamed into place: its ctime is that moment
        if (!finished.has(p.index) && img?.state === 'placed' && placed != null) finished.set(p.index, placed.ctimeMs)
        rows.push({ name: `peer-${p.index}`, have: finished.has(p.index) ? 1 : img?.have ?? 0, blocks: finished.has(p.index) ? 1 : img?.blocks ?? 0, bytes: opts.size, seconds: img?.seconds ?? 0, state: img?.state ?? UNANNOUNCED })
      }
      progress.update(rows)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    // the clock starts when the seeder served the image (its manifest record is
    // written just before it announces it) and stops at the last verified copy
    // (or, failing that, when its status file first listed the image)
    const record = await stat(join(dir, 'seeder', 'state', 'manifests', `${IMAGE}.json`)).catch(() => undefined)
    const announced = record?.mtimeMs ?? seenServed ?? Math.min(...finished.values())
    const seconds = (Math.max(...finished.values()) - announced) / 1000
    await new Promise(resolve => setTimeout(resolve, LAST_SNAPSHOT_WAIT))
    const originEgressBytes = await seederSentBytes(cluster)
    const perPeer = []
    for (const p of cluster.peers) {
      const img = (await cluster.peerStatus(p))?.images.find(i => i.imageId === IMAGE)
      const verified = await sha256File(join(p.cacheDir, IMAGE)) === sha
      perPeer.push({ peer: `peer-${p.index}`, seconds: ((finished.get(p.index) ?? announced) - announced) / 1000, verified, receivedBytes: img?.receivedBytes ?? 0, sentBytes: img?.sentBytes ?? 0 })
    }
    return {
      peers: opts.peers,
      sizeBytes: opts.size,
      seconds,
      originEgressBytes,
      originEgressRatio: originEgressBytes / opts.size,
      allVerified: perPeer.every(p => p.verified),
      perPeer
    }
  } finally {
    await cluster.stop()
    if (!opts.keep) await rm(dir, { recursive: true, force: true })
  }
}

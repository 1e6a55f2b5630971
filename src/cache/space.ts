/**
 * Disk space as a reservation. A download reserves its image's full size
 * before its first block, against the staging file system's free space minus
 * `min_free`, and against the `max_bytes` quota. The blocks its own `.part`
 * already holds count as reserved, not as space lost, so a restarted peer is
 * never stuck on its own files. An image that does not fit first asks for
 * released images to be evicted, then waits (logged once) until space
 * appears.
 */
import { stat, statfs } from 'node:fs/promises'
import { formatBytes } from '../config/units.js'
import { AbortedError } from '../errors.js'
import type { Logger } from '../log.js'

/** How often a waiting download looks at the free space again (ms). @default 2000 */
export const DEFAULT_SPACE_POLL = 2000

export interface SpaceInit {
  /** a folder on the file system that holds the partial downloads */
  dir: string
  /** bytes to leave free on that file system. @default 0 */
  minFree?: number
  /** most bytes of images in the cache together with the reserved ones, 0 = no quota. @default 0 */
  maxBytes?: number
  /** @default DEFAULT_SPACE_POLL */
  pollInterval?: number
}

export interface SpaceComponents {
  log: Logger
  /** bytes of the images in the cache (placed and released), for the quota */
  cachedBytes: () => number
  /** deletes released images (least recently announced first, never pinned ones) until `bytes` are freed; resolves with the bytes freed */
  evict: (bytes: number, forImage: string) => Promise<number>
}

export interface Reservation {
  readonly imageId: string
  readonly size: number
  /** gives the space back (the image was placed, failed or withdrawn) */
  release: () => void
}

export interface Space {
  /**
   * resolves once `size` bytes are reserved for `imageId`, whose partial file
   * is `partPath`; `onWait` is called once when it has to wait for space
   */
  reserve: (imageId: string, size: number, partPath: string, signal?: AbortSignal, onWait?: () => void) => Promise<Reservation>
  /** bytes reserved and not yet written */
  outstanding: () => Promise<number>
}

/** bytes of `path` already on disk (0 when it does not exist) */
async function allocated (path: string, cap: number): Promise<number> {
  return await stat(path).then(s => Math.min(cap, s.blocks * 512), () => 0)
}

export function createSpace (components: SpaceComponents, init: SpaceInit): Space {
  const { log } = components
  const minFree = init.minFree ?? 0
  const maxBytes = init.maxBytes ?? 0
  const poll = init.pollInterval ?? DEFAULT_SPACE_POLL
  const active = new Map<string, { size: number, partPath: string }>()
  const wakers = new Set<() => void>()
  let lock: Promise<unknown> = Promise.resolve()

  const outstanding = async (except?: string): Promise<number> => {
    let n = 0
    for (const [id, r] of active) if (id !== except) n += r.size - await allocated(r.partPath, r.size)
    return n
  }

  /** how many bytes are missing for this image now (0 = it fits), and why */
  const shortfall = async (imageId: string, size: number, partPath: string): Promise<{ bytes: number, why: string }> => {
    // the partial files first, the free space after: blocks written in
    // between then make the estimate smaller, never larger
    const need = size - await allocated(partPath, size)
    const others = await outstanding(imageId)
    const fs = await statfs(init.dir)
    const free = fs.bavail * fs.bsize
    let bytes = Math.max(0, need - (free - minFree - others))
    let why = `needs ${formatBytes(need)} more on ${init.dir}, where ${formatBytes(free)} is free (min_free ${formatBytes(minFree)}, ${formatBytes(others)} reserved by other downloads)`
    if (maxBytes > 0) {
      let inUse = components.cachedBytes()
      for (const [id, r] of active) if (id !== imageId) inUse += r.size
      const over = inUse + size - maxBytes
      if (over > bytes) {
        bytes = over
        why = `needs ${formatBytes(size)} but ${formatBytes(inUse)} of the ${formatBytes(maxBytes)} quota (max_bytes) is in use`
      }
    }
    return { bytes, why }
  }

  const sleep = async (signal?: AbortSignal): Promise<void> => {
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); wakers.delete(done); signal?.removeEventListener('abort', done); resolve() }
      const timer = setTimeout(done, poll)
      wakers.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  return {
    async reserve (imageId, size, partPath, signal, onWait) {
      let logged = false
      while (true) {
        if (signal?.aborted === true) throw new AbortedError('waiting for disk space aborted', { cause: signal.reason })
        // one decision at a time, so two downloads cannot both take the same free bytes
        const decision: Promise<{ bytes: number, why: string } | undefined> = lock.catch(() => {}).then(async () => {
          let s = await shortfall(imageId, size, partPath)
          if (s.bytes > 0 && await components.evict(s.bytes, imageId) > 0) s = await shortfall(imageId, size, partPath)
          if (s.bytes > 0) return s
          active.set(imageId, { size, partPath })
          return undefined
        })
        lock = decision
        const short = await decision
        if (short == null) break
        if (!logged) {
          logged = true
          onWait?.()
          log.warn(`image ${imageId} waits for space: it ${short.why}; it starts when space is freed`)
        }
        await sleep(signal)
      }
      if (logged) log(`image ${imageId}: space is available now, starting`)
      let released = false
      return {
        imageId,
        size,
        release () {
          if (released) return
          released = true
          if (active.get(imageId)?.partPath === partPath) active.delete(imageId)
          for (const wake of [...wakers]) wake()
        }
      }
    },
    outstanding: async () => await outstanding()
  }
}

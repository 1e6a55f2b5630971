/**
 * SHA-256 of large buffers on worker threads, so the main thread keeps
 * reading sockets while blocks are checked. Buffers must live in a
 * SharedArrayBuffer (see `sharedBuffer`): the worker reads them in place,
 * nothing is copied. (`crypto.subtle.digest` also hashes off the main thread
 * but copies every buffer into fresh memory first: 2.5× the CPU per byte,
 * measured.) One pool per process, started on first use; its workers keep
 * the process alive only while a hash is in progress.
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
parentPort.on('message', ({ id, buffer, offset, length }) => {
  const digest = createHash('sha256').update(new Uint8Array(buffer, offset, length)).digest()
  parentPort.postMessage({ id, digest })
})
`

/**
 * Hashing threads
 *
 * @default min(2, available cores - 1), at least 1
 */
export const DEFAULT_HASH_THREADS = Math.max(1, Math.min(2, availableParallelism() - 1))

interface Pending { resolve: (d: Uint8Array) => void, reject: (e: Error) => void }

let workers: Worker[] | undefined
let next = 0
let seq = 0
const pending = new Map<number, Pending>()
/** hashes in progress per worker: a worker keeps the process alive only while it has some */
const busy = new Map<Worker, Set<number>>()

function settled (w: Worker, id: number): void {
  const ids = busy.get(w)
  if (ids == null || !ids.delete(id) || ids.size > 0) return
  w.unref()
}

function start (): Worker[] {
  const ws = Array.from({ length: DEFAULT_HASH_THREADS }, () => {
    const w = new Worker(WORKER_SOURCE, { eval: true })
    w.on('message', ({ id, digest }: { id: number, digest: Uint8Array }) => {
      const p = pending.get(id)
      pending.delete(id)
      settled(w, id)
      p?.resolve(digest)
    })
    w.on('error', (err) => {
      // a broken pool: fail what is waiting, start afresh on the next call
      for (const p of pending.values()) p.reject(err)
      pending.clear()
      busy.clear()
      workers = undefined
    })
    // after the listeners (adding a 'message' listener refs the worker's
    // port again: the idle threads then kept every node alive after SIGTERM)
    w.unref()
    return w
  })
  return ws
}

/** Stops the pool's threads (a later hash starts them again); for tests and clean shutdowns */
export async function closeHashPool (): Promise<void> {
  const ws = workers
  workers = undefined
  busy.clear()
  if (ws != null) await Promise.all(ws.map(async w => await w.terminate()))
}

/** A buffer the hash pool can read in place */
export function sharedBuffer (size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size))
}

/** true when `data` can be hashed by the pool without a copy */
export function isShared (data: Uint8Array): boolean {
  return data.buffer instanceof SharedArrayBuffer
}

/** SHA-256 of `data` (which must be in a SharedArrayBuffer) on a worker thread */
export async function sha256Shared (data: Uint8Array): Promise<Uint8Array> {
  if (!isShared(data)) throw new TypeError('sha256Shared needs a buffer in a SharedArrayBuffer')
  workers ??= start()
  const w = workers[next++ % workers.length]
  const id = seq++
  let ids = busy.get(w)
  if (ids == null) { ids = new Set(); busy.set(w, ids) }
  if (ids.size === 0) w.ref()
  ids.add(id)
  return await new Promise<Uint8Array>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    w.postMessage({ id, buffer: data.buffer, offset: data.byteOffset, length: data.byteLength })
  })
}

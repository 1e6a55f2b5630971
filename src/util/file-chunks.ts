/**
 * Reads a file front to back through one reused buffer. Hashing a large file
 * this way costs no fresh memory per chunk (a new 1 MiB buffer per chunk
 * means new pages, which in a VM cost as much CPU as the hash itself).
 */
import { open } from 'node:fs/promises'
import { throwIfAborted } from '../errors.js'

/**
 * Size of the reused buffer
 *
 * @default 1 MiB
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024

/**
 * Calls `onChunk` with each chunk of the file in order. The chunk is a view of
 * the reused buffer: use it before returning, never keep it.
 */
export async function forEachChunk (path: string, onChunk: (chunk: Uint8Array) => void, options: { signal?: AbortSignal, chunkSize?: number } = {}): Promise<void> {
  const buf = Buffer.allocUnsafe(options.chunkSize ?? DEFAULT_CHUNK_SIZE)
  const fh = await open(path, 'r')
  try {
    for (let pos = 0; ;) {
      throwIfAborted(options.signal)
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead === 0) return
      onChunk(buf.subarray(0, bytesRead))
      pos += bytesRead
    }
  } finally {
    await fh.close()
  }
}

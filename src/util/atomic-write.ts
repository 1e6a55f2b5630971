/**
 * The one way precache replaces a file: write a temporary file next to it
 * (a name no other writer uses), flush it to disk, rename it over the target
 * and flush the folder, so a reader or a crash sees the old file or the new
 * one, never half of either.
 */
import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

export interface AtomicWriteOptions {
  /** file mode of a new file. @default 0o600 */
  mode?: number
  /**
   * fsync the data and the folder; off only for files that are rewritten
   * every second and worthless after a crash (the status file)
   *
   * @default true
   */
  sync?: boolean
}

let tmpCounter = 0

/** A temporary name beside `path` that no concurrent writer picks */
export function tempPathFor (path: string): string {
  return `${path}.${process.pid}.${++tmpCounter}.tmp`
}

/** Writes `data` to `path` so that a crash leaves the old or the new content, never a mix */
export async function atomicWrite (path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const sync = options.sync !== false
  const tmp = tempPathFor(path)
  try {
    const fh = await open(tmp, 'w', options.mode ?? 0o600)
    try {
      await fh.writeFile(data)
      if (sync) await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  if (!sync) return
  const dir = await open(dirname(path), 'r')
  try { await dir.sync() } catch {} finally { await dir.close() }
}

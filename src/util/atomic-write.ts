/**
 * The one way precache replaces a file: write a temporary file next to it
 * (a name no other writer uses), flush it to disk, then rename it over the
 * target, so a reader or a crash sees the old file or the new one, never half
 * of either.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'

export interface AtomicWriteOptions {
  /** file mode of a new file. @default 0o666 (less the umask) */
  mode?: number
  /**
   * fsync the data before the rename; off only for files that are rewritten
   * every second and worthless after a crash (the status file)
   *
   * @default true
   */
  sync?: boolean
}

/** A temporary name beside `path` that no concurrent writer picks */
export function tempPathFor (path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
}

/** Replaces `path` with `data` atomically (see the module header) */
export async function writeFileAtomic (path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(path)
  try {
    const fh = await open(tmp, 'w', options.mode)
    try {
      await fh.writeFile(data)
      if (options.sync !== false) await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

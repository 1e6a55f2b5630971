/** Crash-safe file replacement: unique temp name, fsync, rename, fsync of the folder */
import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

let tmpCounter = 0

/** Writes `data` to `path` so that a crash leaves the old or the new content, never a mix */
export async function atomicWrite (path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  const dir = await open(dirname(path), 'r')
  try { await dir.sync() } catch {} finally { await dir.close() }
}

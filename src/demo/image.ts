import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { forEachChunk } from '../util/file-chunks.js'
import { once } from 'node:events'

/** Writes `size` random bytes to `path`, streaming; returns their SHA-256 hex */
export async function writeRandomImage (path: string, size: number): Promise<string> {
  const out = createWriteStream(path)
  const hash = createHash('sha256')
  let left = size
  while (left > 0) {
    const chunk = randomBytes(Math.min(left, 1024 * 1024))
    hash.update(chunk)
    left -= chunk.length
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'close')
  return hash.digest('hex')
}

/** SHA-256 hex of a file, streaming */
export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  await forEachChunk(path, chunk => { hash.update(chunk) })
  return hash.digest('hex')
}

/**
 * Block reuse across versions: before fetching anything, a peer copies into a
 * new download every block that it already holds with the same SHA-256 — in
 * a cached image, in another partial download (e.g. of the version this one
 * replaces), or earlier in the same image (repeated blocks such as zeros).
 * Each copied block is verified against the new manifest before it is
 * stored, like a block from the network.
 */
import { open, readdir, readFile } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { BlockHashMismatchError, throwIfAborted } from '../errors.js'
import { blockCount, blockLength, decodeManifest } from '../image/manifest.js'
import type { Manifest } from '../image/manifest.js'
import { BitSet } from '../swarm/bitset.js'
import type { PartialStore } from '../swarm/store.js'

export interface BlockSource {
  /** file holding the blocks at `index × blockSize` */
  path: string
  manifest: Manifest
  /** the blocks `path` is believed to hold (each is verified again when copied); all when absent */
  have?: BitSet
}

const hex = (h: Uint8Array): string => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex')

async function readAt (fh: FileHandle, length: number, position: number): Promise<Uint8Array | undefined> {
  const buf = Buffer.allocUnsafe(length)
  let off = 0
  while (off < length) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off)
    if (bytesRead === 0) return undefined
    off += bytesRead
  }
  return buf
}

/**
 * Copies into `store` every block it lacks that a source (or the store
 * itself) holds with the same hash; resolves with the bytes copied. A source
 * that cannot be read, or whose block no longer matches, is skipped.
 */
export async function reuseBlocks (store: PartialStore, sources: BlockSource[], signal?: AbortSignal): Promise<number> {
  const m = store.manifest
  /** hash → blocks of the new image that still lack it */
  const wanted = new Map<string, number[]>()
  for (let i = 0; i < store.have.size; i++) {
    if (store.have.get(i)) continue
    const h = hex(m.blockHashes[i])
    const list = wanted.get(h)
    if (list == null) wanted.set(h, [i])
    else list.push(i)
  }
  let copied = 0
  const place = async (h: string, data: Uint8Array): Promise<void> => {
    for (const i of wanted.get(h) ?? []) {
      throwIfAborted(signal)
      try {
        if (await store.write(i, data)) copied += data.length
      } catch (err) {
        if (!(err instanceof BlockHashMismatchError)) throw err
        return // the source changed under us: leave these blocks to the network
      }
    }
    wanted.delete(h)
  }
  // repeated blocks within the image itself
  for (let i = 0; i < store.have.size && wanted.size > 0; i++) {
    const h = hex(m.blockHashes[i])
    if (store.have.get(i) && wanted.has(h)) await place(h, await store.read(i))
  }
  for (const src of sources) {
    if (wanted.size === 0) break
    if (src.manifest.blockSize !== m.blockSize) continue
    const fh = await open(src.path, 'r').catch(() => undefined)
    if (fh == null) continue
    try {
      for (let j = 0; j < src.manifest.blockHashes.length && wanted.size > 0; j++) {
        if (src.have != null && !src.have.get(j)) continue
        const h = hex(src.manifest.blockHashes[j])
        if (!wanted.has(h)) continue
        const data = await readAt(fh, blockLength(src.manifest, j), j * src.manifest.blockSize)
        if (data != null) await place(h, data)
      }
    } finally {
      await fh.close()
    }
  }
  return copied
}

/**
 * The partial downloads in a staging folder (`<manifest id>.part` with its
 * `.progress` record) whose manifests `loadManifest` knows, except `skip`
 */
export async function partialSources (dir: string, loadManifest: (manifestId: string) => Promise<{ manifestBytes: Uint8Array } | undefined>, skip: string): Promise<BlockSource[]> {
  const out: BlockSource[] = []
  for (const f of await readdir(dir).catch((): string[] => [])) {
    if (!f.endsWith('.part')) continue
    const id = f.slice(0, -'.part'.length)
    if (id === skip) continue
    const saved = await loadManifest(id)
    const bits = await readFile(join(dir, `${id}.progress`)).catch(() => undefined)
    if (saved == null || bits == null) continue
    try {
      const manifest = decodeManifest(saved.manifestBytes)
      out.push({ path: join(dir, f), manifest, have: BitSet.fromBytes(blockCount(manifest.size, manifest.blockSize), bits) })
    } catch {}
  }
  return out
}

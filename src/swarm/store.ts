/**
 * Block stores: where a node reads the blocks it serves and writes the
 * blocks it downloads. A source store serves a complete local file (the
 * seeder's image); a partial store fills a preallocated `.part` file, verifying
 * each block by its hash before it is written and persisting which blocks it
 * holds so a restarted peer resumes.
 */
import { createHash } from 'node:crypto'
import { isShared, sha256Shared } from '../util/hash-pool.js'
import { constants } from 'node:fs'
import { copyFile, open, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { forEachChunk } from '../util/file-chunks.js'
import { join } from 'node:path'
import { BitSet } from './bitset.js'
import { BlockHashMismatchError, CorruptCopyError, ImageHashMismatchError, InputFileError, errorMessage } from '../errors.js'
import { blockCount, blockLength } from '../image/manifest.js'
import type { Manifest } from '../image/manifest.js'
import { atomicWrite } from '../util/atomic-write.js'

export interface BlockStore {
  readonly manifest: Manifest
  /** blocks held (and verified) */
  readonly have: BitSet
  /** reads a block this store holds (into `into` when given: a buffer of at least the block size, reused by the caller) */
  read: (index: number, into?: Uint8Array) => Promise<Uint8Array>
  /** verifies and stores a block (given whole or as consecutive parts); returns false if it was already held */
  write: (index: number, data: Uint8Array | Uint8Array[]) => Promise<boolean>
  /** re-reads a held block and checks it against the manifest (a neighbour said it was corrupt) */
  check: (index: number) => Promise<boolean>
  close: () => Promise<void>
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Checks a block's bytes against the manifest */
export function blockMatches (m: Manifest, index: number, data: Uint8Array | Uint8Array[]): boolean {
  const parts = Array.isArray(data) ? data : [data]
  const h = createHash('sha256')
  let len = 0
  for (const p of parts) { h.update(p); len += p.length }
  return len === blockLength(m, index) && equalBytes(h.digest(), m.blockHashes[index])
}

/** Writes all of `parts` at `position`, looping over short writes */
async function writeAll (fh: FileHandle, parts: Uint8Array[], position: number): Promise<void> {
  let rest = parts
  let pos = position
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, pos)
    pos += bytesWritten
    let skip = bytesWritten
    const next: Uint8Array[] = []
    for (const p of rest) {
      if (skip >= p.length) { skip -= p.length; continue }
      next.push(skip > 0 ? p.subarray(skip) : p)
      skip = 0
    }
    rest = next
  }
}

async function readBlock (fh: FileHandle, m: Manifest, index: number, into?: Uint8Array): Promise<Uint8Array> {
  const len = blockLength(m, index)
  const buf = into != null && into.length >= len ? into.subarray(0, len) : Buffer.allocUnsafe(len)
  let off = 0
  while (off < len) {
    const { bytesRead } = await fh.read(buf, off, len - off, index * m.blockSize + off)
    if (bytesRead === 0) throw new InputFileError(`image ${m.imageId} is shorter than its manifest: was the file changed while served?`)
    off += bytesRead
  }
  return buf
}

/**
 * How a source store checks the blocks it reads before they are sent:
 * `always` (the seeder: its source file may be changed under it), `once` per
 * block while the store is open (a peer's placed copy: a disk fault or a
 * tampered file is caught before it is served, also after a restart)
 */
export type ReadCheck = 'always' | 'once'

/**
 * Serves a complete local file that should not change. Each block read is
 * checked against the manifest (see ReadCheck); a mismatch throws
 * CorruptCopyError and the caller stops serving this copy.
 */
export async function openSourceStore (path: string, manifest: Manifest, readCheck: ReadCheck = 'always'): Promise<BlockStore> {
  // a symlink swapped in for the file is not followed
  let fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  const have = new BitSet(blockCount(manifest.size, manifest.blockSize))
  for (let i = 0; i < have.size; i++) have.set(i)
  const checked = new BitSet(have.size)
  const verified = async (index: number, into?: Uint8Array): Promise<Uint8Array> => {
    const data = await readBlock(fh, manifest, index, into).catch((err: unknown) => {
      throw new CorruptCopyError(`image ${manifest.imageId}: cannot read block ${index} of ${path}: ${errorMessage(err)}`)
    })
    if (!blockMatches(manifest, index, data)) throw new CorruptCopyError(`image ${manifest.imageId}: block ${index} of ${path} no longer matches the manifest (was the file changed?)`)
    return data
  }
  return {
    manifest,
    have,
    async read (index, into) {
      if (readCheck === 'once' && checked.get(index)) return await readBlock(fh, manifest, index, into)
      const data = await verified(index, into)
      checked.set(index)
      return data
    },
    check: async (index) => await verified(index).then(() => true, () => false),
    write: async () => false,
    close: async () => { await fh.close() }
  }
}

/**
 * Starts a repair: copies a placed image found corrupt to `<dir>/<name>.part`
 * with a progress record claiming every block, so that openPartialStore
 * re-verifies each block, keeps the good ones and leaves the bad ones to be
 * fetched again (an existing `.part` is left as it is)
 */
export async function seedPartialFrom (dir: string, name: string, manifest: Manifest, placedPath: string): Promise<void> {
  const partPath = join(dir, `${name}.part`)
  if (await stat(partPath).then(() => true, () => false)) return
  await mkdir(dir, { recursive: true })
  await copyFile(placedPath, partPath + '.tmp')
  await rename(partPath + '.tmp', partPath)
  const all = new BitSet(blockCount(manifest.size, manifest.blockSize))
  for (let i = 0; i < all.size; i++) all.set(i)
  await writeFile(join(dir, `${name}.progress`), all.toBytes())
}

export interface PartialStore extends BlockStore {
  /** path of the `.part` file */
  readonly partPath: string
  /** re-reads the whole file and checks the whole-image hash */
  verifyWhole: (signal?: AbortSignal) => Promise<void>
  /** forgets the progress record (after the file was moved into place) */
  finish: () => Promise<void>
}

/**
 * How often a download's progress record is rewritten (ms)
 *
 * @default 1000
 */
export const DEFAULT_PERSIST_INTERVAL = 1000

/**
 * Opens (or resumes) a download into `<dir>/<name>.part`, with its progress
 * record in `<dir>/<name>.progress`. Blocks listed in the progress record are
 * re-verified on open; those that no longer match are fetched again.
 *
 * @param persistEveryMs - how often the progress record is rewritten (DEFAULT_PERSIST_INTERVAL)
 */
export async function openPartialStore (dir: string, name: string, manifest: Manifest, persistEveryMs = DEFAULT_PERSIST_INTERVAL): Promise<PartialStore> {
  await mkdir(dir, { recursive: true })
  const partPath = join(dir, `${name}.part`)
  const progressPath = join(dir, `${name}.progress`)
  const n = blockCount(manifest.size, manifest.blockSize)
  let have = new BitSet(n)
  const fh = await open(partPath, 'a+').then(async h => { await h.close(); return await open(partPath, 'r+') })
  const claimed = await readFile(progressPath).then(b => BitSet.fromBytes(n, b)).catch(() => undefined)
  if (claimed != null) {
    for (const i of [...Array(n).keys()].filter(i => claimed.get(i))) {
      const data = await readBlock(fh, manifest, i).catch(() => undefined)
      if (data != null && blockMatches(manifest, i, data)) have.set(i)
    }
  } else {
    have = new BitSet(n)
  }
  await fh.truncate(manifest.size)

  let dirty = false
  let timer: NodeJS.Timeout | undefined
  let persisting: Promise<void> = Promise.resolve()
  const persist = async (): Promise<void> => {
    if (!dirty) return
    dirty = false
    await fh.datasync()
    await atomicWrite(progressPath, have.toBytes(), { mode: 0o644 })
  }
  /** finished or closed: no progress record may be written any more */
  let finished = false
  const schedule = (): void => {
    if (finished) return
    dirty = true
    timer ??= setTimeout(() => { timer = undefined; persisting = persisting.then(persist).catch(() => {}) }, persistEveryMs)
  }
  const stopTimer = async (): Promise<void> => {
    if (timer != null) { clearTimeout(timer); timer = undefined }
    await persisting
  }

  return {
    manifest,
    partPath,
    get have () { return have },
    read: async (index, into) => await readBlock(fh, manifest, index, into),
    async check (index) {
      const data = await readBlock(fh, manifest, index).catch(() => undefined)
      return data != null && blockMatches(manifest, index, data)
    },
    async write (index, data) {
      if (have.get(index)) return false
      // a block in shared memory (the bulk channel's) is hashed on a worker thread
      const matches = !Array.isArray(data) && isShared(data)
        ? data.length === blockLength(manifest, index) && equalBytes(await sha256Shared(data), manifest.blockHashes[index])
        : blockMatches(manifest, index, data)
      if (!matches) {
        throw new BlockHashMismatchError(`block ${index} of image ${manifest.imageId} does not match its hash`)
      }
      // a second copy of the block (endgame) may have been stored while this one was hashed
      if (have.get(index) || finished) return false
      await writeAll(fh, Array.isArray(data) ? data : [data], index * manifest.blockSize)
      const fresh = have.set(index)
      schedule()
      return fresh
    },
    async verifyWhole (signal) {
      await stopTimer()
      await persist()
      const h = createHash('sha256')
      await forEachChunk(partPath, chunk => { h.update(chunk) }, { signal })
      const got = h.digest('hex')
      if (got !== manifest.sha256) {
        await rm(progressPath, { force: true })
        throw new ImageHashMismatchError(`image ${manifest.imageId}: assembled file hashes to ${got}, manifest says ${manifest.sha256}; it will be downloaded again`)
      }
    },
    async finish () {
      finished = true
      await stopTimer()
      await rm(progressPath, { force: true })
    },
    async close () {
      finished = true
      await stopTimer()
      await persist().catch(() => {})
      await fh.close()
    }
  }
}

/**
 * A resumable, verified download into a staging folder: bytes go to
 * `<dir>/<id>.part` (resumed with Range after an interruption), are checked by
 * a Verifier, and only then renamed to `<dir>/<id>` next to a small sidecar
 * `<dir>/<id>.verified.json` so a later fetch can skip the download.
 */
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { AbortedError, ChecksumMismatchError, InputFileError, RemoteServiceError, UnreachableError, errorCause, errorCode, errorMessage, errorName } from '../errors.js'
import type { Config } from '../config/load.js'
import type { Logger } from '../log.js'
import type { FetchedImage } from './fetcher.js'
import type { RateLimiter } from './rate-limit.js'
import type { Verifier } from './verify.js'
import { forEachChunk } from '../util/file-chunks.js'
import { isImageId } from '../image/id.js'
import { atomicWrite } from '../util/atomic-write.js'

export interface DownloadInit {
  /** staging folder */
  dir: string
  /** image id, already safe as a file name */
  id: string
  /** what is downloaded, for messages ("Glance image 1234") */
  what: string
  /** sends the request for bytes from `offset` on (a Range request when > 0) */
  open: (offset: number, signal?: AbortSignal) => Promise<Response>
  verifier: () => Verifier
  limiter: RateLimiter
  log: Logger
  signal?: AbortSignal
}

interface Sidecar { expectation: string, size: number, verified: Record<string, string> }

/** The request header that resumes a download at `offset` (none from the start) */
export function resumeFrom (offset: number): Record<string, string> {
  return offset > 0 ? { range: `bytes=${offset}-` } : {}
}

export function stagedPaths (dir: string, id: string): { final: string, part: string, sidecar: string } {
  if (!isImageId(id) || id.startsWith('.')) throw new InputFileError(`image id "${id}" cannot be used as a file name`)
  return { final: join(dir, id), part: join(dir, `${id}.part`), sidecar: join(dir, `${id}.verified.json`) }
}

/** Removes the staged copy (and any partial download) of an image */
export async function removeStaged (dir: string, id: string): Promise<void> {
  const p = stagedPaths(dir, id)
  await Promise.all([rm(p.sidecar, { force: true }), rm(p.final, { force: true }), rm(p.part, { force: true })])
}

export async function download (init: DownloadInit): Promise<FetchedImage> {
  const { final, part, sidecar } = stagedPaths(init.dir, init.id)
  const verifier = init.verifier()
  await mkdir(init.dir, { recursive: true }).catch((err: unknown) => {
    throw new InputFileError(`cannot create staging folder ${init.dir}: ${errorCode(err)}`)
  })

  // a verified copy with the same expectation needs no download
  const known: Sidecar | undefined = await readFile(sidecar, 'utf8').then(t => JSON.parse(t), () => undefined)
  const finalStat = await stat(final).catch(() => undefined)
  if (known != null && finalStat?.isFile() === true && known.expectation === verifier.expectation && known.size === finalStat.size) {
    init.log('staged copy already verified', { image: init.id })
    return { path: final, size: finalStat.size, verified: known.verified }
  }
  await rm(sidecar, { force: true })
  await rm(final, { force: true })

  let offset = (await stat(part).catch(() => undefined))?.size ?? 0
  let res = await init.open(offset, init.signal)
  if (offset > 0 && res.status === 206 && !rangeStartsAt(res, offset)) {
    await res.body?.cancel()
    throw new RemoteServiceError(`${init.what}: the server answered a Range request with other bytes (${res.headers.get('content-range') ?? 'no Content-Range'})`)
  }
  if (offset > 0 && res.status !== 206) {
    // the server ignored or refused the range (200, 416): start over
    await res.body?.cancel()
    init.log('server did not resume; downloading from the start', { image: init.id, status: res.status })
    offset = 0
    res = await init.open(0, init.signal)
  }
  if (offset > 0) {
    init.log('resuming download', { image: init.id, offset })
    await forEachChunk(part, chunk => { verifier.update(chunk) }, { signal: init.signal })
  }
  const fh = await open(part, offset > 0 ? 'a' : 'w')
  try {
    if (res.body != null) {
      for await (const chunk of Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>)) {
        await init.limiter.take(chunk.byteLength, init.signal)
        verifier.update(chunk)
        await fh.write(chunk)
      }
    }
    await fh.sync()
  } catch (err) {
    // keep the .part: the next fetch resumes it with Range
    if (init.signal?.aborted === true) throw new AbortedError(`${init.what}: download aborted`, { cause: err })
    if (errorName(err) === 'AbortError' || err instanceof AbortedError) throw err
    const cause = errorCause(err) != null ? errorCode(errorCause(err)) : errorMessage(err)
    throw new UnreachableError(`${init.what}: download interrupted (${cause}); it resumes at the next fetch`, { cause: err })
  } finally {
    await fh.close()
  }

  const { problem, verified } = verifier.finish()
  if (problem != null) {
    await rm(part, { force: true })
    throw new ChecksumMismatchError(`${init.what}: downloaded bytes failed verification: ${problem}; the copy was deleted and will be fetched again`)
  }
  const size = (await stat(part)).size
  await rename(part, final)
  const side: Sidecar = { expectation: verifier.expectation, size, verified }
  await atomicWrite(sidecar, JSON.stringify(side), { mode: 0o644 })
  return { path: final, size, verified }
}

function rangeStartsAt (res: Response, offset: number): boolean {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')
  return m != null && Number(m[1]) === offset
}

/** `[seeder] staging_dir`, or `<state_dir>/staging` */
export function stagingDirFromConfig (config: Config): string {
  return config.seeder.staging_dir ?? join(config.DEFAULT.state_dir, 'staging')
}

/**
 * Checks a downloaded byte stream against what its source published: whole-
 * image digests (Glance sha512/md5, an HTTP or Swift md5), or per-segment md5s
 * of a Swift large object.
 */
import { createHash, getHashes } from 'node:crypto'
import type { Hash } from 'node:crypto'

export interface Verifier {
  update: (chunk: Uint8Array) => void
  /** undefined when every check passed, else a one-line description of the mismatch */
  finish: () => { problem?: string, verified: Record<string, string> }
  /** a stable description of what is expected, stored in the sidecar of a verified copy */
  expectation: string
}

const SUPPORTED = new Set(getHashes().map(h => h.toLowerCase()))

/** Node's name for a Glance os_hash_algo (sha512, sha256, …) or undefined */
export function nodeHashName (algo: string): string | undefined {
  const a = algo.toLowerCase().replace(/^sha-/, 'sha')
  return SUPPORTED.has(a) ? a : undefined
}

/** verifies whole-stream digests, e.g. `{ sha512: '…', md5: '…' }`; unknown algorithms are ignored */
export function digestVerifier (expected: Record<string, string>, size?: number): Verifier {
  const hashes = new Map<string, Hash>()
  for (const algo of Object.keys(expected)) {
    const name = nodeHashName(algo)
    if (name != null) hashes.set(algo, createHash(name))
  }
  let bytes = 0
  return {
    expectation: JSON.stringify({ size, ...Object.fromEntries([...hashes.keys()].sort().map(a => [a, expected[a]])) }),
    update (chunk) {
      bytes += chunk.byteLength
      for (const h of hashes.values()) h.update(chunk)
    },
    finish () {
      const verified: Record<string, string> = {}
      let problem: string | undefined
      if (size != null && bytes !== size) problem = `got ${bytes} bytes, expected ${size}`
      for (const [algo, h] of hashes) {
        const got = h.digest('hex')
        verified[algo] = got
        if (problem == null && got !== expected[algo].toLowerCase()) problem = `${algo} ${got} does not match the published ${expected[algo]}`
      }
      return { problem, verified }
    }
  }
}

export interface Segment { bytes: number, md5: string }

/** verifies a stream that is the concatenation of segments with known md5s (Swift SLO/DLO) */
export function segmentVerifier (segments: Segment[]): Verifier {
  let index = 0
  let inSegment = 0
  let hash = createHash('md5')
  let problem: string | undefined
  let extra = 0
  const total = segments.reduce((n, s) => n + s.bytes, 0)
  const whole = createHash('sha256')
  const close = (): void => {
    const got = hash.digest('hex')
    if (problem == null && got !== segments[index].md5.toLowerCase()) problem = `segment ${index} md5 ${got} does not match the manifest's ${segments[index].md5}`
    index++
    inSegment = 0
    hash = createHash('md5')
  }
  return {
    expectation: JSON.stringify({ size: total, segments: segments.map(s => s.md5) }),
    update (chunk) {
      whole.update(chunk)
      let off = 0
      while (off < chunk.byteLength) {
        if (index >= segments.length) { extra += chunk.byteLength - off; return }
        const n = Math.min(segments[index].bytes - inSegment, chunk.byteLength - off)
        hash.update(chunk.subarray(off, off + n))
        inSegment += n
        off += n
        if (inSegment === segments[index].bytes) close()
      }
    },
    finish () {
      while (index < segments.length && segments[index].bytes === 0) close()
      if (problem == null && index < segments.length) problem = `stream ended in segment ${index} of ${segments.length} (truncated)`
      if (problem == null && extra > 0) problem = `${extra} bytes more than the manifest's ${total}`
      return { problem, verified: { sha256: whole.digest('hex'), segments: String(segments.length) } }
    }
  }
}

/** accepts anything (a source that publishes no checksum); still records a sha256 */
export function noVerifier (size?: number): Verifier {
  const v = digestVerifier({}, size)
  const whole = createHash('sha256')
  return {
    expectation: JSON.stringify({ size, none: true }),
    update (chunk) { v.update(chunk); whole.update(chunk) },
    finish () { return { problem: v.finish().problem, verified: { sha256: whole.digest('hex') } } }
  }
}

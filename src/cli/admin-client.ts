/** Talks to a running seeder's admin endpoint (see src/roles/admin.ts) */
import { request } from 'node:http'
import type { Config } from '../config/load.js'
import { PrecacheError, UnreachableError, errorCode, errorMessage } from '../errors.js'
import { asRecord, isWholeNumber, optionalString } from '../util/json.js'
import { describeAddress } from '../ops/http.js'
import { adminAddress } from '../roles/admin.js'
import type { FleetView } from '../roles/fleet.js'

/** Largest admin answer read (a fleet view of thousands of hosts fits) */
export const MAX_ADMIN_ANSWER = 64 * 1024 * 1024

/**
 * How long an admin request may take (ms); `precache refresh` waits longer, for a whole pass
 *
 * @default 60000
 */
export const DEFAULT_ADMIN_TIMEOUT = 60_000

/** The answer was JSON but not what the request answers */
export class AdminAnswerError extends PrecacheError {
  override readonly name = 'AdminAnswerError'
}

/**
 * Sends one request to the seeder's admin endpoint; resolves with its JSON
 * answer checked by `decode` (which throws, or returns undefined, for an
 * answer of the wrong shape)
 */
export async function adminRequest<T> (config: Config, method: 'GET' | 'POST', path: string, decode: (body: unknown) => T | undefined, timeoutMs = DEFAULT_ADMIN_TIMEOUT): Promise<T> {
  const address = adminAddress(config)
  const where = describeAddress(address)
  return await new Promise((resolve, reject) => {
    const req = request({
      ...('path' in address ? { socketPath: address.path } : { host: address.host, port: address.port }),
      method,
      path,
      timeout: timeoutMs
    }, res => {
      const chunks: Buffer[] = []
      let total = 0
      res.on('data', (c: Buffer) => {
        total += c.length
        if (total > MAX_ADMIN_ANSWER) { req.destroy(new PrecacheError(`the seeder's answer is larger than ${MAX_ADMIN_ANSWER} bytes`)); return }
        chunks.push(c)
      })
      res.on('end', () => {
        let body: unknown
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { reject(new PrecacheError(`the admin endpoint ${where} did not answer JSON: is it a precache seeder?`)); return }
        if (res.statusCode !== 200) { reject(new PrecacheError(`the seeder answered ${String(res.statusCode)}: ${optionalString(asRecord(body).error) ?? 'error'}`)); return }
        let answer: T | undefined
        try { answer = decode(body) } catch (err) { reject(new AdminAnswerError(`the admin endpoint ${where} answered ${method} ${path} with something else than expected (${errorMessage(err)}): is the seeder the same precache version as this command?`)); return }
        if (answer === undefined) reject(new AdminAnswerError(`the admin endpoint ${where} answered ${method} ${path} with something else than expected: is the seeder the same precache version as this command?`))
        else resolve(answer)
      })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new UnreachableError(`the seeder's admin endpoint ${where} did not answer in ${timeoutMs / 1000}s`)) })
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof PrecacheError) { reject(err); return }
      const hint = err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
        ? 'is the seeder running on this host, with the same --state-dir / [seeder] admin_listen?'
        : err.code === 'EACCES' ? 'run as the seeder\'s user or root' : 'check [seeder] admin_listen'
      reject(new UnreachableError(`cannot reach the seeder's admin endpoint ${where} (${errorCode(err)}): ${hint}`))
    })
    req.end()
  })
}

/** GET /v1/fleet: the envelope of a fleet view (the seeder built it from reports it checked) */
export function asFleetView (body: unknown): FleetView | undefined {
  const v = asRecord(body)
  if (typeof v.seeder !== 'string' || !Array.isArray(v.hosts) || !Array.isArray(v.images)) return undefined
  return body as FleetView // envelope checked above; the rows come from our own seeder's typed fleet view
}

/** POST /v1/refresh: the images listed by the pass */
export function asRefreshAnswer (body: unknown): { images: number } | undefined {
  const images = asRecord(body).images
  return isWholeNumber(images) ? { images } : undefined
}

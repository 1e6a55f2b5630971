/** Talks to a running seeder's admin endpoint (see src/roles/admin.ts) */
import { request } from 'node:http'
import type { Config } from '../config/load.js'
import { PrecacheError, UnreachableError, errorCode } from '../errors.js'
import { describeAddress } from '../ops/http.js'
import { adminAddress } from '../roles/admin.js'

/** Largest admin answer read (a fleet view of thousands of hosts fits) */
export const MAX_ADMIN_ANSWER = 64 * 1024 * 1024

export async function adminRequest (config: Config, method: 'GET' | 'POST', path: string, timeoutMs = 60_000): Promise<any> {
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
        let body: any
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) } catch { reject(new PrecacheError(`the admin endpoint ${where} did not answer JSON: is it a precache seeder?`)); return }
        if (res.statusCode !== 200) reject(new PrecacheError(`the seeder answered ${String(res.statusCode)}: ${String(body?.error ?? 'error')}`))
        else resolve(body)
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

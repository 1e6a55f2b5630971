/**
 * Small local HTTP servers of a running node: `/metrics` (metrics_listen) and
 * the seeder's admin endpoint (admin_listen). An address is `host:port`
 * (`[::1]:9108` for IPv6) or a unix socket path (absolute, or `unix:PATH`).
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { chmod, rm, stat } from 'node:fs/promises'
import { isIP } from 'node:net'
import type { AddressInfo } from 'node:net'
import { ConfigError, ListenError, errorCode, errorMessage } from '../errors.js'

export type HttpAddress = { path: string } | { host: string, port: number }

/** Parses `host:port`, `[v6]:port`, `/path/to.sock` or `unix:/path/to.sock`; `option` names the setting in errors */
export function parseHttpAddress (spec: string, option: string): HttpAddress {
  const s = spec.trim()
  if (s.startsWith('unix:') || s.startsWith('/')) {
    const path = s.startsWith('unix:') ? s.slice(5) : s
    if (!path.startsWith('/') || path.length > 100) throw new ConfigError(`${option} ${spec}: a unix socket must be an absolute path of at most 100 characters`)
    return { path }
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s)
  const port = Number(m?.[3])
  if (m == null || port < 1 || port > 65535) throw new ConfigError(`${option} ${spec}: expected host:port (e.g. 127.0.0.1:9108), [v6]:port or a unix socket path`)
  const host = m[1] ?? m[2]
  if (m[1] != null && isIP(host) !== 6) throw new ConfigError(`${option} ${spec}: ${host} is not an IPv6 address`)
  return { host, port }
}

/** True for addresses only this host can reach (a unix socket, 127.0.0.0/8, ::1, localhost) */
export function isLocalOnly (a: HttpAddress): boolean {
  if ('path' in a) return true
  return a.host === 'localhost' || a.host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a.host)
}

export function describeAddress (a: HttpAddress): string {
  return 'path' in a ? `unix:${a.path}` : `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

export interface LocalServer { address: HttpAddress, close: () => Promise<void> }

/** Sends a JSON body with a status code */
export function sendJson (res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n'
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/**
 * Starts an HTTP server on `address`. A unix socket left by a previous run is
 * replaced (the caller holds the state-folder lock, so no live process owns
 * it) and made accessible to the owner and group only.
 */
/**
 * Time a client has to send a request's headers (ms): a slow or idle client
 * cannot hold a connection of the metrics or admin endpoint for long
 *
 * @default 10000
 */
export const DEFAULT_HEADERS_TIMEOUT = 10_000
/**
 * Time a client has to send a whole request (ms)
 *
 * @default 30000
 */
export const DEFAULT_REQUEST_TIMEOUT = 30_000

export async function startHttpServer (address: HttpAddress, option: string, handler: Handler): Promise<LocalServer> {
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: errorMessage(err) })
      else res.destroy()
    })
  })
  server.headersTimeout = DEFAULT_HEADERS_TIMEOUT
  server.requestTimeout = DEFAULT_REQUEST_TIMEOUT
  if ('path' in address) {
    const old = await stat(address.path).catch(() => undefined)
    if (old?.isSocket() === true) await rm(address.path, { force: true })
    else if (old != null) throw new ListenError(`${option} ${address.path} exists and is not a socket: remove it or choose another path`)
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: unknown) => {
      reject(new ListenError(`cannot listen on ${option} ${describeAddress(address)}: ${errorCode(err)}` +
        ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? ' (another process uses it: choose another address)' : '')))
    })
    if ('path' in address) server.listen(address.path, resolve)
    else server.listen(address.port, address.host, resolve)
  })
  if ('path' in address) await chmod(address.path, 0o660)
  const bound: HttpAddress = 'path' in address ? address : { host: address.host, port: (server.address() as AddressInfo).port }
  return {
    address: bound,
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}

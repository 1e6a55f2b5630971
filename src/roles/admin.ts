/**
 * The seeder's local admin endpoint (`[seeder] admin_listen`): HTTP on a unix
 * socket in the state folder by default, so only the service user and root
 * can use it. A TCP address must be loopback unless `admin_remote` is set.
 *
 *   GET  /v1/fleet     the FleetView (`precache status`)
 *   POST /v1/refresh   list again now (`precache refresh`); answers once the pass ran
 */
import { join } from 'node:path'
import type { Config } from '../config/load.js'
import { ConfigError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { describeAddress, isLocalOnly, parseHttpAddress, sendJson, startHttpServer } from '../ops/http.js'
import type { HttpAddress, LocalServer } from '../ops/http.js'
import type { FleetView } from './fleet.js'

/** The admin socket's name in the state folder when admin_listen is not set */
export const ADMIN_SOCKET = 'admin.sock'

/** Where the admin endpoint of the seeder configured by `config` listens */
export function adminAddress (config: Config): HttpAddress {
  const spec: string = config.seeder.admin_listen ?? join(config.DEFAULT.state_dir, ADMIN_SOCKET)
  return parseHttpAddress(spec, 'admin_listen')
}

export interface AdminHandlers {
  fleet: () => FleetView
  refresh: () => Promise<{ images: number }>
}

export async function startAdminServer (config: Config, handlers: AdminHandlers, log: Logger): Promise<LocalServer> {
  const address = adminAddress(config)
  if (!isLocalOnly(address) && config.seeder.admin_remote !== true) {
    throw new ConfigError(`admin_listen ${describeAddress(address)} can be reached from other hosts: use a unix socket or 127.0.0.1, or set [seeder] admin_remote = true (and firewall it)`)
  }
  const server = await startHttpServer(address, 'admin_listen', async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/v1/fleet' && req.method === 'GET') { sendJson(res, 200, handlers.fleet()); return }
    if (path === '/v1/refresh' && req.method === 'POST') {
      try {
        sendJson(res, 200, await handlers.refresh())
      } catch (err) {
        sendJson(res, 502, { error: String(errorMessage(err)) })
      }
      return
    }
    sendJson(res, 404, { error: 'not found: GET /v1/fleet, POST /v1/refresh' })
  })
  log(`admin endpoint on ${describeAddress(server.address)}`)
  return server
}

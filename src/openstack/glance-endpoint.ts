import type { Config } from '../config/load.js'
import type { OpenStackSession } from './auth.js'

/** The Glance root URL: [glance] endpoint, or the catalogue's image endpoint (without a trailing /v2) */
export async function glanceEndpoint (config: Config, session: OpenStackSession, signal?: AbortSignal): Promise<string> {
  const url: string = config.glance?.endpoint ?? await session.endpoint('image', signal)
  return url.replace(/\/+$/, '').replace(/\/v2$/, '')
}

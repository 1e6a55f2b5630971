/**
 * An authenticated way to talk to OpenStack services: Keystone tokens and
 * the service catalogue, or "noauth" (explicit endpoints, identity headers)
 * for a Glance that runs without Keystone.
 */
import { ConfigError } from '../errors.js'
import type { Config } from '../config/load.js'
import { resolveCredentials } from './credentials.js'
import type { Credentials } from './credentials.js'
import { keystoneSession } from './keystone.js'

export interface OpenStackSession {
  /** headers that authenticate a request (X-Auth-Token, or identity headers) */
  headers: (signal?: AbortSignal) => Promise<Record<string, string>>
  /** URL of a service from the catalogue: `image`, `object-store` */
  endpoint: (type: string, signal?: AbortSignal) => Promise<string>
  /** forget the token (after a 401) so the next call authenticates again */
  invalidate: () => void
  describe: () => string
}

/** A session for a service that trusts identity headers (no Keystone) */
export function noauthSession (init: { projectId?: string, roles: string[] }): OpenStackSession {
  return {
    async headers () {
      const h: Record<string, string> = { 'x-identity-status': 'Confirmed', 'x-roles': init.roles.join(',') }
      if (init.projectId != null) h['x-project-id'] = init.projectId
      return h
    },
    async endpoint (type) {
      throw new ConfigError(`auth_type noauth has no service catalogue: set the ${type} endpoint explicitly (e.g. [glance] endpoint)`)
    },
    invalidate () {},
    describe: () => 'noauth'
  }
}

const sessions = new WeakMap<Config, OpenStackSession>()

/** One session per configuration, shared by the lister and the fetchers */
export function sessionFromConfig (config: Config, env: NodeJS.ProcessEnv = process.env): OpenStackSession {
  let s = sessions.get(config)
  if (s == null) {
    const creds: Credentials = resolveCredentials(config, env)
    s = creds.authType === 'noauth'
      ? noauthSession({ projectId: creds.projectId, roles: creds.roles })
      : keystoneSession({ credentials: creds })
    sessions.set(config, s)
  }
  return s
}

/** Runs `op` with auth headers; on an AuthenticationError, re-authenticates once and retries */
export async function withAuth<T> (session: OpenStackSession, signal: AbortSignal | undefined, op: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  try {
    return await op(await session.headers(signal))
  } catch (err: any) {
    if (err?.name !== 'AuthenticationError' || session.describe() === 'noauth') throw err
    session.invalidate()
    return await op(await session.headers(signal))
  }
}

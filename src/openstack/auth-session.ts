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
import type { OpenStackSession } from './auth.js'

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

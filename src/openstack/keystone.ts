/**
 * A Keystone v3 session: issues a token (password or application
 * credential), finds endpoints in its catalogue and issues a new token before
 * the current one expires.
 */
import { ConfigError, RemoteServiceError } from '../errors.js'
import type { Credentials } from './credentials.js'
import { joinUrl, request } from './http.js'
import { asRecord, optionalString } from '../util/json.js'
import type { OpenStackSession } from './auth.js'

/**
 * Renew a token when less than this is left of its lifetime (ms)
 *
 * @default 300000
 */
export const DEFAULT_RENEW_MARGIN = 5 * 60_000

export interface KeystoneSessionInit {
  credentials: Credentials
  /** renew when less than this many ms of the token's life remain */
  renewMargin?: number
  now?: () => number
}

interface Token {
  id: string
  expiresAt: number
  catalog: Array<{ type: string, endpoints: Array<{ interface: string, region?: string, region_id?: string, url: string }> }>
}

function identityBody (c: Credentials): unknown {
  if (c.authType === 'v3applicationcredential') {
    const ac: Record<string, unknown> = { secret: c.applicationCredentialSecret }
    if (c.applicationCredentialId != null) ac.id = c.applicationCredentialId
    else ac.name = c.applicationCredentialName
    if (c.applicationCredentialId == null) {
      ac.user = c.userId != null ? { id: c.userId } : { name: c.username, domain: domain(c.userDomainId, c.userDomainName) }
    }
    return { auth: { identity: { methods: ['application_credential'], application_credential: ac } } }
  }
  const user = c.userId != null
    ? { id: c.userId, password: c.password }
    : { name: c.username, password: c.password, domain: domain(c.userDomainId, c.userDomainName) }
  const scope = c.projectId != null
    ? { project: { id: c.projectId } }
    : c.projectName != null ? { project: { name: c.projectName, domain: domain(c.projectDomainId, c.projectDomainName) } } : undefined
  return { auth: { identity: { methods: ['password'], password: { user } }, ...(scope != null ? { scope } : {}) } }
}

function domain (id?: string, name?: string): Record<string, string> {
  return id != null ? { id } : { name: name ?? 'Default' }
}

/** the Keystone v3 base URL: auth_url with or without a trailing /v3 */
export function v3Url (authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '')
  return /\/v3$/.test(base) ? base : `${base}/v3`
}

export function keystoneSession (init: KeystoneSessionInit): OpenStackSession {
  const creds = init.credentials
  const now = init.now ?? Date.now
  const margin = init.renewMargin ?? DEFAULT_RENEW_MARGIN
  let token: Token | undefined
  let pending: Promise<Token> | undefined

  async function issue (signal?: AbortSignal): Promise<Token> {
    const url = joinUrl(v3Url(creds.authUrl ?? ''), 'auth/tokens')
    const res = await request(url, {
      what: `Keystone token (${creds.source})`,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(identityBody(creds)),
      signal
    })
    const id = res.headers.get('x-subject-token')
    const body = asRecord(await res.json().catch(() => undefined))
    if (id == null || body.token == null) throw new RemoteServiceError(`Keystone at ${url} answered without a token`)
    const token = asRecord(body.token)
    const issued = Date.parse(optionalString(token.issued_at) ?? '') || now()
    const expires = Date.parse(optionalString(token.expires_at) ?? '')
    // renew at the margin, or half way through a short-lived token
    const life = Number.isFinite(expires) ? expires - issued : 3_600_000
    return { id, expiresAt: now() + life - Math.min(margin, life / 2), catalog: Array.isArray(token.catalog) ? token.catalog as Token['catalog'] : [] }
  }

  async function current (signal?: AbortSignal): Promise<Token> {
    if (token != null && now() < token.expiresAt) return token
    pending ??= issue(signal).finally(() => { pending = undefined })
    token = await pending
    return token
  }

  return {
    async headers (signal) {
      return { 'x-auth-token': (await current(signal)).id }
    },
    async endpoint (type, signal) {
      const t = await current(signal)
      const service = t.catalog.find(s => s.type === type)
      if (service == null) {
        throw new ConfigError(`the Keystone catalogue (${creds.source}) has no ${type} service; set its endpoint explicitly`)
      }
      const match = service.endpoints.filter(e => e.interface === creds.interface &&
        (creds.regionName == null || e.region_id === creds.regionName || e.region === creds.regionName))
      if (match.length === 0) {
        const have = service.endpoints.map(e => `${e.interface}/${e.region_id ?? e.region ?? '-'}`).join(', ')
        throw new ConfigError(`no ${creds.interface} ${type} endpoint${creds.regionName != null ? ` in region ${creds.regionName}` : ''} in the catalogue (have ${have}); set [openstack] interface / region_name`)
      }
      return match[0].url
    },
    invalidate () {
      token = undefined
    },
    describe: () => `Keystone ${creds.authUrl ?? ''} (${creds.source})`
  }
}


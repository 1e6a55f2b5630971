/**
 * How the Swift fetcher authenticates: Swift v1 auth (tempauth, swauth) with
 * a user and key, or a Keystone session's token and object-store endpoint.
 */
import { RemoteServiceError } from '../errors.js'
import { request } from './http.js'
import type { OpenStackSession } from './auth.js'
import { withReauth } from './auth.js'

export interface SwiftAuth {
  /** the account's storage URL and headers that authenticate against it */
  get: (signal?: AbortSignal) => Promise<{ storageUrl: string, headers: Record<string, string> }>
  invalidate: () => void
}

export function swiftV1Auth (init: { authUrl: string, user: string, key: string }): SwiftAuth {
  let cached: { storageUrl: string, headers: Record<string, string> } | undefined
  return {
    async get (signal) {
      if (cached != null) return cached
      const res = await request(init.authUrl, { what: 'Swift v1 auth', headers: { 'x-auth-user': init.user, 'x-auth-key': init.key }, signal })
      await res.body?.cancel()
      const token = res.headers.get('x-auth-token') ?? res.headers.get('x-storage-token')
      const storageUrl = res.headers.get('x-storage-url')
      if (token == null || storageUrl == null) throw new RemoteServiceError(`Swift v1 auth at ${init.authUrl} answered without X-Auth-Token/X-Storage-Url`)
      cached = { storageUrl, headers: { 'x-auth-token': token } }
      return cached
    },
    invalidate () { cached = undefined }
  }
}

export function swiftKeystoneAuth (session: OpenStackSession): SwiftAuth {
  return {
    async get (signal) {
      return { storageUrl: await session.endpoint('object-store', signal), headers: await session.headers(signal) }
    },
    invalidate () { session.invalidate() }
  }
}

/** runs `op`, re-authenticating once when Swift rejects the token */
export async function withSwiftAuth<T> (auth: SwiftAuth, signal: AbortSignal | undefined, op: (a: { storageUrl: string, headers: Record<string, string> }) => Promise<T>): Promise<T> {
  return await withReauth(auth, signal, op)
}

/**
 * What every OpenStack client needs from authentication: headers for a
 * request, the service catalogue, and a way to forget a rejected token.
 */
import { errorName } from '../errors.js'

export interface OpenStackSession {
  /** headers that authenticate a request (X-Auth-Token, or identity headers) */
  headers: (signal?: AbortSignal) => Promise<Record<string, string>>
  /** URL of a service from the catalogue: `image`, `object-store` */
  endpoint: (type: string, signal?: AbortSignal) => Promise<string>
  /** forget the token (after a 401) so the next call authenticates again */
  invalidate: () => void
  describe: () => string
}

/** Credentials that can be fetched and, once a service rejects them, forgotten */
export interface Reauthenticating<C> {
  get: (signal?: AbortSignal) => Promise<C>
  invalidate: () => void
  /** false when new credentials would be the same (noauth). @default true */
  renewable?: boolean
}

/** Runs `op` with credentials; when the service rejects them (AuthenticationError), forgets them and retries once */
export async function withReauth<C, T> (auth: Reauthenticating<C>, signal: AbortSignal | undefined, op: (credentials: C) => Promise<T>): Promise<T> {
  try {
    return await op(await auth.get(signal))
  } catch (err) {
    if (errorName(err) !== 'AuthenticationError' || auth.renewable === false) throw err
    auth.invalidate()
    return await op(await auth.get(signal))
  }
}

/** withReauth for an OpenStack session's auth headers */
export async function withAuth<T> (session: OpenStackSession, signal: AbortSignal | undefined, op: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  return await withReauth({ get: async s => await session.headers(s), invalidate: () => { session.invalidate() }, renewable: session.describe() !== 'noauth' }, signal, op)
}

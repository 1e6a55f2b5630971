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

/** Runs `op` with auth headers; on an AuthenticationError, re-authenticates once and retries */
export async function withAuth<T> (session: OpenStackSession, signal: AbortSignal | undefined, op: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  try {
    return await op(await session.headers(signal))
  } catch (err) {
    if (errorName(err) !== 'AuthenticationError' || session.describe() === 'noauth') throw err
    session.invalidate()
    return await op(await session.headers(signal))
  }
}

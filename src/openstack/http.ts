/**
 * HTTP helpers over Node's global fetch (undici) that turn transport and
 * status failures into the typed errors of src/errors.ts.
 */
import { AbortedError, AuthenticationError, RemoteServiceError, UnreachableError, errorCause, errorCode, errorMessage } from '../errors.js'

export interface RequestInit2 extends RequestInit {
  /** what the request is for, used in error messages ("Glance image list") */
  what: string
  /** statuses that are returned rather than thrown (default: 2xx only) */
  accept?: number[]
}

/** fetch() that throws UnreachableError / AuthenticationError / RemoteServiceError */
export async function request (url: string, init: RequestInit2): Promise<Response> {
  let res: Response
  try {
    res = await fetch(url, init)
  } catch (err) {
    if (init.signal?.aborted === true) throw new AbortedError(`${init.what} aborted`, { cause: err })
    const cause = errorCause(err) != null ? errorCode(errorCause(err)) : errorMessage(err)
    throw new UnreachableError(`${init.what}: cannot reach ${origin(url)} (${cause}); check the endpoint and that the service runs`, { cause: err })
  }
  if (res.ok || init.accept?.includes(res.status) === true) return res
  const body = await res.text().catch(() => '')
  const detail = body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)
  if (res.status === 401 || res.status === 403) {
    throw new AuthenticationError(`${init.what}: ${origin(url)} answered ${res.status} ${res.statusText}${detail !== '' ? ` (${detail})` : ''}; check the credentials and roles`)
  }
  throw new RemoteServiceError(`${init.what}: ${origin(url)} answered ${res.status} ${res.statusText}${detail !== '' ? ` (${detail})` : ''}`)
}

/** GET returning parsed JSON */
export async function getJson (url: string, init: RequestInit2): Promise<unknown> {
  const res = await request(url, { ...init, method: init.method ?? 'GET' })
  try {
    return await res.json()
  } catch (err) {
    throw new RemoteServiceError(`${init.what}: ${origin(url)} sent a body that is not JSON`, { cause: err })
  }
}

function origin (url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return url
  }
}

/** joins a base URL and a path with exactly one slash */
export function joinUrl (base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '')
}

/**
 * Rate-limited warnings keyed by a remote (an address or a peer id): a node
 * hammered by a misconfigured or hostile neighbour logs one line per remote
 * per interval, never a flood.
 */
import type { Logger } from '../log.js'

/** Least time between two lines about one remote. @default 60000 */
export const DEFAULT_REFUSED_LOG_INTERVAL = 60_000
/** Remotes remembered at most (the table is cleared beyond this). @default 1000 */
const MAX_REMEMBERED = 1000

/** Returns `(remote, line)`: logs `line` as a warning unless `remote` was logged within `intervalMs` */
export function createRateLimitedLog (log: Logger, intervalMs = DEFAULT_REFUSED_LOG_INTERVAL, now: () => number = Date.now): (remote: string, line: string) => void {
  const last = new Map<string, { at: number, suppressed: number }>()
  return (remote, line) => {
    // an address's port changes with every connection: key by host
    const key = remote.replace(/\/tcp\/\d+.*$/, '')
    const seen = last.get(key)
    if (seen != null && now() - seen.at < intervalMs) { seen.suppressed++; return }
    if (last.size >= MAX_REMEMBERED) last.clear()
    last.set(key, { at: now(), suppressed: 0 })
    log.warn(seen != null && seen.suppressed > 0 ? `${line} (${seen.suppressed} more since the last such line)` : line)
  }
}

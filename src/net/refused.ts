/**
 * The one rate-limited log of refused inbound connections. On the answering
 * side a failed noise handshake looks the same whether the dialling node holds
 * another swarm key or expected another peer id for this node (both abort after
 * this node's second handshake message), so one line names both causes.
 */
import type { Logger } from '../log.js'
import { createRateLimitedLog } from '../log.js'
import { errorMessage } from '../errors.js'

/** Least failed handshakes from one address before it is logged, per window. @default 3 */
export const REFUSED_MIN_COUNT = 3
/** One line per address per this window. @default 10 min */
export const REFUSED_LOG_INTERVAL = 600_000

/** `/ip4/10.0.0.7/tcp/51234` → `10.0.0.7` */
export function remoteHost (remoteAddr: string): string {
  return /^\/ip[46]\/([^/]+)/.exec(remoteAddr)?.[1] ?? remoteAddr
}

export function createRefusedLog (log: Logger): (remoteAddr: string, err: Error) => void {
  const warn = createRateLimitedLog(log.warn, { intervalMs: REFUSED_LOG_INTERVAL, minCount: REFUSED_MIN_COUNT })
  return (remoteAddr, err) => {
    const host = remoteHost(remoteAddr)
    warn(host, `refused connections from ${host}: the handshake failed (${errorMessage(err)}): that node holds another swarm key, ` +
      'or expects another peer id for this node (if this node\'s identity changed, update --seeder/--trust on the peers)', { event: 'handshake-refused', remote: remoteAddr })
  }
}

/**
 * Keeps a connection to every seeder (a peer asks for the catalogue on
 * connect). A seeder that is not up yet is waited for quietly — retries start
 * at half a second — and only a seeder unreachable for a while is a warning,
 * repeated at most every ten minutes, naming the address and what to check.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Config } from '../config/load.js'
import { requireOption } from '../config/load.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import { TRANSIENT, explainDial } from '../net/dial-error.js'
import type { DialFailure } from '../net/dial-error.js'

/** First retry after a failed dial; doubles up to DEFAULT_RETRY_MAX. @default 500 */
export const DEFAULT_RETRY_MIN = 500
/** @default 5000 */
export const DEFAULT_RETRY_MAX = 5000
/** Time allowed for one dial. @default 10000 */
export const DEFAULT_DIAL_TIMEOUT = 10_000
/** A seeder unreachable this long is a warning. @default 60000 */
export const DEFAULT_WARN_AFTER = 60_000
/** Least time between two warnings about one seeder. @default 10 min */
export const DEFAULT_WARN_EVERY = 600_000

export interface SeederTarget { ma: Multiaddr, id: string }

/** The seeders a peer follows (`--seeder`) and the peer ids it trusts (`--trust`, else the seeders') */
export function seedersFromConfig (config: Config): { seeders: SeederTarget[], trusted: string[] } {
  const seeders = requireOption(config, 'peer', 'seeders').map(a => {
    let ma
    try { ma = multiaddr(a) } catch { throw new ConfigError(`--seeder ${a} is not a multiaddr`) }
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id == null) throw new ConfigError(`--seeder ${a} must end with /p2p/<seeder peer id> (printed by the seeder at start and by "precache keygen")`)
    checkPeerId(id, `--seeder ${a}: "${id}"`)
    return { ma, id }
  })
  const trusted = config.peer.trusted_seeders ?? seeders.map(s => s.id)
  for (const id of trusted) checkPeerId(id, `--trust ${id}:`)
  return { seeders, trusted }
}

/** A peer id given on the command line or in the config must parse, or start-up stops with a ConfigError (exit 2) */
function checkPeerId (id: string, what: string): void {
  try {
    peerIdFromString(id)
  } catch {
    throw new ConfigError(`${what} is not a peer id (expected the seeder's id as printed at its start or by "precache keygen", e.g. 12D3KooW…)`)
  }
}

export interface SeederLinkInit {
  retryMin?: number
  retryMax?: number
  dialTimeout?: number
  warnAfter?: number
  warnEvery?: number
}

/** Why a seeder could not be reached the last time (cleared once it is) */
export interface SeederUnreachable { reason: DialFailure, text: string, since: number }

export interface SeederLink {
  /** the last failure to reach a seeder, by its peer id, while it is failing */
  unreachable: (peerId: string) => SeederUnreachable | undefined
  stop: () => void
}

export function keepSeedersConnected (components: { node: PrecacheNode, log: Logger }, seeders: SeederTarget[], init: SeederLinkInit = {}): SeederLink {
  const { node, log } = components
  const retryMin = init.retryMin ?? DEFAULT_RETRY_MIN
  const retryMax = init.retryMax ?? DEFAULT_RETRY_MAX
  const dialTimeout = init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT
  const warnAfter = init.warnAfter ?? DEFAULT_WARN_AFTER
  const warnEvery = init.warnEvery ?? DEFAULT_WARN_EVERY
  const stopping = new AbortController()
  const failures = new Map<string, SeederUnreachable>()
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => { timers.delete(t); fn() }, ms)
    timers.add(t)
  }

  for (const s of seeders) {
    let failingSince: number | undefined
    let lastWarn = 0
    let delay = retryMin
    let everConnected = false
    const addr = s.ma.toString()
    const tick = async (): Promise<void> => {
      if (stopping.signal.aborted) return
      if (node.getConnections().some(c => c.remotePeer.toString() === s.id)) {
        later(retryMax, () => { void tick() })
        return
      }
      try {
        await node.dial(s.ma, { signal: AbortSignal.any([AbortSignal.timeout(dialTimeout), stopping.signal]) })
        if (failingSince != null && lastWarn > 0) log(`reached seeder ${addr} again`)
        else if (!everConnected) log(`connected to seeder ${addr}`)
        everConnected = true
        failures.delete(s.id)
        failingSince = undefined
        lastWarn = 0
        delay = retryMin
        later(retryMax, () => { void tick() })
      } catch (err) {
        if (stopping.signal.aborted) return
        const now = Date.now()
        failingSince ??= now
        const { reason, text } = explainDial(err, s.ma, dialTimeout)
        failures.set(s.id, { reason, text, since: failingSince })
        // a seeder not up yet is normal for a while; a wrong key or id is not
        const patience = TRANSIENT.includes(reason) ? warnAfter : 0
        if (now - failingSince >= patience && now - lastWarn >= warnEvery) {
          lastWarn = now
          const since = now - failingSince >= 1000 ? ` for ${Math.round((now - failingSince) / 1000)} s` : ''
          log.warn(`cannot reach seeder ${addr}${since}: ${text} (retrying)`, { event: 'seeder-unreachable', seeder: addr, reason })
        } else {
          log.debug(`cannot reach seeder ${addr}: ${text} (retrying in ${delay / 1000} s)`, { reason })
        }
        later(delay, () => { void tick() })
        delay = Math.min(retryMax, delay * 2)
      }
    }
    void tick()
  }
  return {
    unreachable: (peerId) => failures.get(peerId),
    stop () {
      stopping.abort()
      for (const t of timers) clearTimeout(t)
      timers.clear()
    }
  }
}

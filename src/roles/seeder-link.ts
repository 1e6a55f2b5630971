/**
 * The seeders a peer follows, and what it reports when one cannot be reached.
 * (When a peer connects to a seeder: links.ts.)
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Config } from '../config/load.js'
import { requireOption } from '../config/load.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../log.js'
import { TRANSIENT, explainDial } from '../net/dial-error.js'
import type { DialFailure } from '../net/dial-error.js'

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

/** Why a seeder could not be reached the last time (cleared once it is) */
export interface SeederUnreachable { reason: DialFailure, text: string, since: number }

/**
 * Remembers failures to reach each seeder, for the status file and the log:
 * a seeder not up yet is waited for quietly; only one unreachable for a while
 * (or misconfigured: wrong id, wrong swarm key) is a warning, repeated at most
 * every ten minutes, naming the address and what to check.
 */
export interface SeederReach {
  reached: (s: SeederTarget) => void
  failed: (s: SeederTarget, err: unknown) => void
  unreachable: (peerId: string) => SeederUnreachable | undefined
}

export function createSeederReach (log: Logger, init: { dialTimeout?: number, warnAfter?: number, warnEvery?: number } = {}): SeederReach {
  const dialTimeout = init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT
  const warnAfter = init.warnAfter ?? DEFAULT_WARN_AFTER
  const warnEvery = init.warnEvery ?? DEFAULT_WARN_EVERY
  const failures = new Map<string, SeederUnreachable>()
  const lastWarn = new Map<string, number>()
  const everReached = new Set<string>()
  return {
    reached (s) {
      const addr = s.ma.toString()
      if (failures.has(s.id) && (lastWarn.get(s.id) ?? 0) > 0) log(`reached seeder ${addr} again`)
      else if (!everReached.has(s.id)) log(`connected to seeder ${addr}`)
      everReached.add(s.id)
      failures.delete(s.id)
      lastWarn.delete(s.id)
    },
    failed (s, err) {
      const addr = s.ma.toString()
      const now = Date.now()
      const since = failures.get(s.id)?.since ?? now
      const { reason, text } = explainDial(err, s.ma, dialTimeout)
      failures.set(s.id, { reason, text, since })
      // a seeder not up yet is normal for a while; a wrong key or id is not
      const patience = TRANSIENT.includes(reason) ? warnAfter : 0
      if (now - since >= patience && now - (lastWarn.get(s.id) ?? 0) >= warnEvery) {
        lastWarn.set(s.id, now)
        const during = now - since >= 1000 ? ` for ${Math.round((now - since) / 1000)} s` : ''
        log.warn(`cannot reach seeder ${addr}${during}: ${text} (retrying)`, { event: 'seeder-unreachable', seeder: addr, reason })
      } else {
        log.debug(`cannot reach seeder ${addr}: ${text} (retrying)`, { reason })
      }
    },
    unreachable: (peerId) => failures.get(peerId)
  }
}

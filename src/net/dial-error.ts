/**
 * Explains a failed dial to an operator in one line: which address and port,
 * and what to check (a firewall for a time-out, the process for a refusal,
 * `--seeder`'s peer id for an identity mismatch, the swarm key for a failed
 * handshake).
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import { explainDialError as explainHandshake } from './swarm-key.js'
import { errorMessage, errorName } from '../errors.js'

export type DialFailure = 'timeout' | 'refused' | 'unreachable' | 'identity' | 'other'

/** Transient failures (the node may not be up yet) as opposed to configuration mistakes */
export const TRANSIENT: readonly DialFailure[] = ['timeout', 'refused', 'unreachable']

export function explainDial (err: unknown, ma: Multiaddr, timeoutMs: number): { reason: DialFailure, text: string } {
  const parts = ma.getComponents()
  const host = parts.find(c => ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(c.name))?.value ?? '?'
  const port = parts.find(c => c.name === 'tcp')?.value ?? '?'
  const message = errorMessage(err)
  const name = errorName(err) ?? ''
  if (name === 'AbortError' || name === 'TimeoutError' || /aborted|timed? ?out/i.test(message)) {
    return { reason: 'timeout', text: `no answer from ${host} port ${port} within ${timeoutMs / 1000} s: check that precache runs there and that no firewall drops TCP port ${port} between the two hosts` }
  }
  if (/ECONNREFUSED/.test(message)) {
    return { reason: 'refused', text: `${host} refused the connection on port ${port}: precache is not running there (yet), or listens on another port` }
  }
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) {
    return { reason: 'unreachable', text: `${host} cannot be reached (${/E\w+UNREACH/.exec(message)?.[0] ?? ''}): check the address and the routes to it` }
  }
  const ids = /identity key (\S+) does not match expected remote identity key (\S+)/.exec(message)
  if (ids != null) {
    return { reason: 'identity', text: `the node at ${host} port ${port} has peer id ${ids[1]}, not ${ids[2]}: if that node's identity changed, put its new id in --seeder (and --trust) ` +
      '(a seeder prints its id at start; it keeps it in <state_dir>/identity)' }
  }
  return { reason: 'other', text: explainHandshake(err) }
}

/**
 * Release and wire-protocol versions: what `--version` prints, what a node
 * tells others on connect (identify's agent version), and the one line both
 * sides log when their wire protocols differ.
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { WIRE_VERSION } from '../swarm/wire.js'
import type { Logger } from '../log.js'
import { createRateLimitedLog } from '../log.js'
import type { PrecacheNode } from '../net/node.js'

/** Set by the single-executable build (scripts/package/build.mjs), which has no package.json beside it */
declare const __PRECACHE_RELEASE__: string | undefined

/** The release, from package.json (one source for --version and the agent string) */
export const RELEASE: string = (() => {
  if (typeof __PRECACHE_RELEASE__ === 'string') return __PRECACHE_RELEASE__
  try {
    return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version
  } catch {
    return 'unknown'
  }
})()

/**
 * Test hook: advertise another wire version (to see how a mismatch is
 * reported without building an old release). Not for production use.
 */
const ADVERTISED_WIRE = Number(process.env.PRECACHE_TEST_ADVERTISE_WIRE_VERSION ?? WIRE_VERSION)

export function versionLine (): string {
  return `precache ${RELEASE} (wire protocol ${WIRE_VERSION})`
}

/** identify agent version: `precache/<release> wire/<n> host/<host name>` */
export function agentVersion (): string {
  return `precache/${RELEASE} wire/${ADVERTISED_WIRE} host/${hostname().replace(/\s/g, '_')}`
}

export interface RemoteVersion { release?: string, wire: number, host?: string }

/**
 * Parses a remote's agent version. A precache node that states no wire
 * version predates it: precache 0.1.0, wire protocol 1.
 */
export function parseAgentVersion (agent: string | undefined): RemoteVersion {
  const release = /(?:^|\s)precache\/(\S+)/.exec(agent ?? '')?.[1]
  const wire = Number(/(?:^|\s)wire\/(\d{1,6})(?:\s|$)/.exec(agent ?? '')?.[1] ?? 1)
  const host = /(?:^|\s)host\/(\S{1,255})/.exec(agent ?? '')?.[1]
  return { release, wire, host }
}

/** The mismatch line, or undefined when both speak the same wire protocol */
export function mismatchLine (remoteId: string, remote: RemoteVersion, local = ADVERTISED_WIRE): string | undefined {
  if (remote.wire === local) return undefined
  const them = `node ${remoteId}${remote.host != null ? ` on host ${remote.host}` : ''}`
  const theirs = `wire protocol ${remote.wire}${remote.release != null ? ` (precache ${remote.release})` : ''}`
  const ours = `wire protocol ${local} (precache ${RELEASE})`
  return remote.wire < local
    ? `${them} speaks ${theirs}, this node ${ours}: upgrade precache on ${remote.host ?? `the host of ${remoteId}`}`
    : `${them} speaks ${theirs}, this node ${ours}: upgrade precache on this host (${hostname()})`
}

/** Logs (rate-limited per remote node) every connected node whose wire protocol differs */
export function watchVersions (node: PrecacheNode, log: Logger): void {
  const warn = createRateLimitedLog(log.warn, { intervalMs: 3_600_000 })
  node.addEventListener('peer:identify', (evt) => {
    const id = String(evt.detail.peerId)
    const remote = parseAgentVersion(evt.detail.agentVersion)
    const line = mismatchLine(id, remote)
    if (line != null) warn(id, line, { event: 'wire-version-mismatch', peer: id, remoteWire: remote.wire, localWire: ADVERTISED_WIRE, upgrade: remote.wire < ADVERTISED_WIRE ? 'remote' : 'local' })
    else log.debug(`node ${id} on host ${remote.host ?? '?'} speaks wire protocol ${remote.wire}`)
  })
}

/**
 * A peer's connections for announcements (SPEC.md §1, "Relayed
 * announcements"). A peer does not keep a connection to every seeder: it keeps
 * `gossip_neighbours` connections to other peers (found in catalogue-pull
 * replies), over which the gossip mesh relays the seeders' signed
 * announcements, and every `catalogue_pull_interval` it asks one random
 * neighbour for each seeder's newest catalogue (repairs whatever gossip lost).
 * It dials a seeder only
 *
 * - to bootstrap: it holds no catalogue of that seeder yet and no neighbour gave one;
 * - when the seeder made it one of its gossip links ("stay linked"), to stay connected;
 * - when it has no neighbour at all, or heard nothing from the seeder for `seederSilence`.
 *
 * Block sessions dial seeders on their own (bounded by the seeder's `max_block_peers`). Beyond
 * 2 × `gossip_neighbours` peers, connections that carry only gossip are closed.
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import type { Subscriber } from '../distribute/subscriber.js'
import type { PullPeer } from '../distribute/catalogue-wire.js'
import { createSeederReach, DEFAULT_DIAL_TIMEOUT } from './seeder-link.js'
import { DEFAULT_GOSSIP_NEIGHBOURS, DEFAULT_PULL_INTERVAL, DEFAULT_SEEDER_SILENCE, needSeeder, pickOne, roundDelay } from '../distribute/relay-policy.js'
import type { SeederTarget, SeederUnreachable } from './seeder-link.js'

/** Nodes remembered as possible neighbours. @default 256 */
export const MAX_CANDIDATES = 256
export interface LinksInit {
  /** @default DEFAULT_GOSSIP_NEIGHBOURS */
  neighbours?: number
  /** @default DEFAULT_PULL_INTERVAL */
  pullInterval?: number
  /** @default DEFAULT_SEEDER_SILENCE */
  seederSilence?: number
  /** @default DEFAULT_DIAL_TIMEOUT */
  dialTimeout?: number
}

export interface LinksStatus {
  neighbours: number
  target: number
  candidates: number
  /** seeders that made this peer one of their gossip links */
  linkedSeeders: string[]
  seederPulls: number
  /** surplus gossip-only connections closed (more than 2 × gossip_neighbours peers connected) */
  trimmed: number
}

export interface Links {
  unreachable: (peerId: string) => SeederUnreachable | undefined
  status: () => LinksStatus
  stop: () => void
}

export function startLinks (components: { node: PrecacheNode, log: Logger, subscriber: Subscriber }, seeders: SeederTarget[], init: LinksInit = {}): Links {
  const { node, log, subscriber } = components
  const target = init.neighbours ?? DEFAULT_GOSSIP_NEIGHBOURS
  const pullInterval = init.pullInterval ?? DEFAULT_PULL_INTERVAL
  const silence = init.seederSilence ?? DEFAULT_SEEDER_SILENCE
  const dialTimeout = init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT
  const reach = createSeederReach(log, { dialTimeout })
  const self = node.peerId.toString()
  const seederIds = new Set(seeders.map(s => s.id))
  const candidates = new Map<string, { id: PeerId, addrs: Multiaddr[] }>()
  const linked = new Set<string>()
  const lastSeederPull = new Map<string, number>()
  let seederPulls = 0
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | undefined

  const neighbours = (): string[] => [...new Set(node.getConnections().map(c => c.remotePeer.toString()))].filter(id => !seederIds.has(id))
  const connected = (id: string): boolean => node.getConnections().some(c => c.remotePeer.toString() === id)
  const learn = (peers: PullPeer[]): void => {
    for (const p of peers) {
      try {
        const id = peerIdFromMultihash(Digest.decode(p.id))
        const key = id.toString()
        if (key === self || seederIds.has(key)) continue
        candidates.delete(key)
        candidates.set(key, { id, addrs: p.addrs.map(a => multiaddr(a)) })
        if (candidates.size > MAX_CANDIDATES) candidates.delete(candidates.keys().next().value as string)
      } catch {} // a malformed entry is skipped
    }
  }
  const signal = (): AbortSignal => AbortSignal.any([AbortSignal.timeout(dialTimeout), stopping.signal])

  const growNeighbours = async (have: string[]): Promise<void> => {
    const missing = target - have.length
    if (missing <= 0) return
    const pick = [...candidates.entries()].filter(([id]) => !connected(id)).sort(() => Math.random() - 0.5).slice(0, missing)
    await Promise.all(pick.map(async ([key, c]) => {
      try {
        await node.peerStore.merge(c.id, { multiaddrs: c.addrs })
        await node.dial(c.id, { signal: signal() })
      } catch (err) {
        candidates.delete(key)
        log.debug(`could not reach a possible gossip neighbour ${key}: ${errorMessage(err)}`)
      }
    }))
  }

  const pullNeighbour = async (have: string[]): Promise<void> => {
    const id = pickOne(have)
    if (id == null) return
    const conn = node.getConnections().find(c => c.remotePeer.toString() === id)
    if (conn == null) return
    try {
      learn((await subscriber.pull(conn.remotePeer, 'neighbour', signal())).peers)
    } catch (err) {
      log.debug(`catalogue pull from neighbour ${id} failed: ${errorMessage(err)}`)
    }
  }

  const need = (s: SeederTarget, alone: boolean, now: number): boolean => {
    const heard = subscriber.lastHeard(s.id)
    return needSeeder({
      hasCatalogue: subscriber.catalogueSeq(s.id) > 0,
      linked: linked.has(s.id),
      connected: connected(s.id),
      alone,
      sinceHeard: heard > 0 ? now - heard : Infinity,
      sinceSeederPull: now - (lastSeederPull.get(s.id) ?? -Infinity)
    }, { pullInterval, silence })
  }

  const pullSeeder = async (s: SeederTarget): Promise<void> => {
    lastSeederPull.set(s.id, Date.now())
    seederPulls++
    try {
      const reply = await subscriber.pull(s.ma, 'seeder', signal())
      reach.reached(s)
      learn(reply.peers)
      if (reply.link && !linked.has(s.id)) log(`seeder ${s.ma.toString()} made this peer one of its gossip links: keeping the connection`)
      if (reply.link) linked.add(s.id)
      else linked.delete(s.id)
    } catch (err) {
      if (!stopping.signal.aborted) reach.failed(s, err)
    }
  }

  /**
   * More than 2 × target peers connected: close the surplus among those that
   * carry only gossip (no block, pull or report stream), inbound ones first,
   * so that peers dialling this one cannot grow its connections without bound
   */
  let trimmed = 0
  const trimSurplus = (): void => {
    const surplus = neighbours().length - 2 * target
    if (surplus <= 0) return
    const idle = node.getConnections()
      .filter(c => !seederIds.has(c.remotePeer.toString()) && !c.streams.some(st => st.protocol == null || st.protocol === '' || st.protocol.startsWith('/precache/')))
      .sort((a, b) => (a.direction === 'inbound' ? 0 : 1) - (b.direction === 'inbound' ? 0 : 1))
    for (const c of idle.slice(0, surplus)) {
      trimmed++
      c.close().catch(() => { c.abort(new Error('surplus gossip connection')) })
    }
  }

  const round = async (): Promise<void> => {
    trimSurplus()
    await growNeighbours(neighbours())
    const have = neighbours()
    await pullNeighbour(have)
    const now = Date.now()
    await Promise.all(seeders.filter(s => need(s, have.length === 0, now)).map(pullSeeder))
  }

  const schedule = (): void => {
    if (stopping.signal.aborted) return
    const settling = neighbours().length < target || seeders.some(s => subscriber.catalogueSeq(s.id) === 0)
    timer = setTimeout(() => { round().catch(() => {}).finally(schedule) }, roundDelay(settling, pullInterval))
  }
  round().catch(() => {}).finally(schedule)

  return {
    unreachable: (id) => reach.unreachable(id),
    status: () => ({ neighbours: neighbours().length, target, candidates: candidates.size, linkedSeeders: [...linked], seederPulls, trimmed }),
    stop () {
      stopping.abort()
      if (timer != null) clearTimeout(timer)
    }
  }
}

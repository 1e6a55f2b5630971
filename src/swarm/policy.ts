/**
 * The swarm's scheduling policy that is not the picker or super-seeding:
 * request budget and timeouts, whom to dial, whom to admit, which peers to
 * pass on. Pure functions over plain values (time is passed in), so the same
 * code runs in `session.ts` / `engine.ts` on the wire and in the region
 * simulator (bench/sim).
 */

/**
 * Requests in flight over all neighbours together; each neighbour gets a
 * share (at least 1, at most `requests_per_peer`)
 *
 * @default 16
 */
export const REQUEST_BUDGET = 16

/**
 * Block sessions a seeder serves at once; others are sent a sample of peers
 * and turned away (`[seeder] max_block_peers`)
 *
 * @default 32
 */
export const DEFAULT_MAX_BLOCK_PEERS = 32

/** Peers passed on in one PEERS message. @default 32 */
export const PEER_SAMPLE = 32

/**
 * Least time between two reconnection attempts to one node; a node with fewer
 * than `MIN_NEIGHBOURS` neighbours retries after `FAST_RECONNECT_INTERVAL`.
 *
 * @default 10000
 */
export const DEFAULT_RECONNECT_INTERVAL = 10_000
/** @default 1000 */
export const FAST_RECONNECT_INTERVAL = 1000
/** @default 4 */
export const MIN_NEIGHBOURS = 4

/** Requests one neighbour may have in flight now, given how many sessions share the budget */
export function requestLimit (requestsPerPeer: number, sessions: number, budget = REQUEST_BUDGET): number {
  return Math.max(1, Math.min(requestsPerPeer, Math.ceil(budget / Math.max(1, sessions))))
}

/**
 * Whether a session may send one more request: fewer than `limit` in flight,
 * and blocks still being verified and written count against twice the limit
 * (a busy disk slows the requests down instead of piling up blocks in memory)
 */
export function mayRequest (inFlight: number, writes: number, limit: number): boolean {
  return inFlight < limit && inFlight + writes < limit * 2
}

/** Requests (index → time asked) older than `timeout` at `now` */
export function expiredRequests (inFlight: Map<number, number>, now: number, timeout: number): number[] {
  const out: number[] = []
  for (const [index, at] of inFlight) if (now - at > timeout) out.push(index)
  return out
}

export interface AdmitInput {
  /** we are this image's seeder */
  seeder: boolean
  /** block sessions open now */
  sessions: number
  maxBlockPeers: number
  maxNeighbours: number
}

/**
 * Whether to accept one more inbound block session: a seeder serves at most
 * `maxBlockPeers` peers at once, a peer at most twice its dial limit (dialled
 * plus accepted). A node turned away gets a sample of peers instead.
 */
export function admitSession (a: AdmitInput): boolean {
  return a.sessions < (a.seeder ? a.maxBlockPeers : 2 * a.maxNeighbours)
}

/**
 * Which candidates to dial now: not ourselves, not already a neighbour or
 * being dialled, and no more than fills the dial limit (dials in progress
 * count, so a long PEERS list does not open dozens of sessions at once)
 */
export function chooseDials (candidates: Iterable<string>, s: { localId: string, neighbours: number, dialling: number, maxNeighbours: number, busy: (id: string) => boolean }): string[] {
  const out: string[] = []
  let room = s.maxNeighbours - s.neighbours - s.dialling
  for (const id of candidates) {
    if (room <= 0) break
    if (id === s.localId || s.busy(id) || out.includes(id)) continue
    out.push(id)
    room--
  }
  return out
}

/** Up to `max` items chosen uniformly at random (partial Fisher–Yates on a copy) */
export function samplePeers<T> (candidates: readonly T[], max: number, random: () => number = Math.random): T[] {
  const a = candidates.slice()
  const k = Math.min(max, a.length)
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (a.length - i))
    const x = a[i]; a[i] = a[j]; a[j] = x
  }
  return a.slice(0, k)
}

/**
 * A node that holds the whole image re-contacts its seeders only this often
 * (so a restarted seeder learns who holds it without every host knocking
 * every 10 s). @default 60000
 */
export const COMPLETE_RECONNECT_INTERVAL = 60_000

/** Time to wait before dialling a known node again, given how many neighbours we have */
export function reconnectInterval (neighbours: number, complete = false): number {
  if (complete) return COMPLETE_RECONNECT_INTERVAL
  return neighbours < MIN_NEIGHBOURS ? FAST_RECONNECT_INTERVAL : DEFAULT_RECONNECT_INTERVAL
}

/**
 * Where a seeder's super-seeding first pass starts: a hash of its peer id, so
 * several seeders of one image start at different blocks without configuration
 */
export function firstPassStart (peerId: string, blockCount: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < peerId.length; i++) { h ^= peerId.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0 }
  return h % Math.max(1, blockCount)
}

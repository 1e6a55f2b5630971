/**
 * Super-seeding: the seeder reveals its blocks one at a time instead of
 * announcing them all, so that every block goes out once before any goes out
 * twice, and peers fetch the rest from each other. Each neighbour is kept
 * offered `lookahead` blocks it lacks:
 *
 * 1. First pass: blocks never sent nor offered and held by no neighbour, in
 *    index order from `firstPassStart`.
 * 2. Afterwards: only blocks no neighbour holds nor is being sent (lost with
 *    a peer that left).
 * 3. A neighbour that has reported no new block for `starveMs` while it still
 *    lacks blocks is offered one block it lacks (rarest first), so a peer cut
 *    off from the others still finishes.
 */
import { BitSet } from './bitset.js'

/**
 * Offers kept outstanding in total, spread over the neighbours (at least one
 * each): few offers at a time keep each block's trip short, so peers can pass
 * it on sooner, while enough stay open to keep the seeder's link busy.
 *
 * @default 8
 */
export const DEFAULT_LOOKAHEAD = 8
/**
 * Time without progress after which a neighbour is fed directly
 *
 * @default 5000
 */
export const DEFAULT_STARVE_MS = 5000

export interface SuperSeederInit {
  blockCount: number
  /** reveal block `index` to `peer` (send HAVE) */
  offer: (peer: string, index: number) => void
  /** offers outstanding in total (see DEFAULT_LOOKAHEAD) */
  lookahead?: number
  starveMs?: number
  now?: () => number
  /**
   * Block the first pass starts at (wrapping around): seeders of the same
   * image start at different blocks, and each skips blocks that neighbours
   * already hold, so together they send the image about once
   *
   * @default 0
   */
  firstPassStart?: number
}

export interface SuperSeeder {
  addPeer: (peer: string) => void
  removePeer: (peer: string) => void
  /** the neighbour reported holding these blocks (BITFIELD) */
  remoteHas: (peer: string, bits: BitSet) => void
  /** the neighbour reported one more block (HAVE) */
  remoteHave: (peer: string, index: number) => void
  /** a block was sent to the neighbour */
  uploaded: (peer: string, index: number) => void
  /** periodic check for starving neighbours */
  tick: () => void
  /**
   * May `peer` be sent block `index`: only blocks offered to it (its
   * lookahead) or sent to it and not yet confirmed (a re-request). Anything
   * else would let a neighbour bypass super-seeding and drain the seeder.
   */
  mayServe: (peer: string, index: number) => boolean
  /** how many times each block was sent */
  readonly sentCounts: Uint32Array
  /**
   * blocks sent again while some block had not yet been sent once (the
   * super-seeding promise is that this stays 0)
   */
  readonly firstPassRepeats: number
}

interface PeerState { has: BitSet, offered: Set<number>, unconfirmed: Set<number>, lastProgress: number }

export function createSuperSeeder (init: SuperSeederInit): SuperSeeder {
  const n = init.blockCount
  const totalLookahead = init.lookahead ?? DEFAULT_LOOKAHEAD
  let lookahead = totalLookahead
  const starveMs = init.starveMs ?? DEFAULT_STARVE_MS
  const now = init.now ?? Date.now
  const sent = new Uint32Array(n)
  const offeredCount = new Uint32Array(n)
  const holders = new Uint32Array(n)
  /** sent to a peer that has not yet confirmed it with HAVE */
  const pending = new Uint32Array(n)
  const peers = new Map<string, PeerState>()
  const start = ((init.firstPassStart ?? 0) % n + n) % n
  let visited = 0 // the first pass has offered, sent or skipped this many blocks from `start` on
  let unsent = n
  let firstPassRepeats = 0

  const give = (peer: string, st: PeerState, index: number): void => {
    st.offered.add(index)
    offeredCount[index]++
    init.offer(peer, index)
  }

  const retire = (st: PeerState, index: number): void => {
    if (st.offered.delete(index)) offeredCount[index]--
  }

  const topUp = (peer: string): void => {
    const st = peers.get(peer)
    if (st == null) return
    while (st.offered.size < lookahead && visited < n) {
      const i = (start + visited++) % n
      if (sent[i] > 0 || offeredCount[i] > 0 || holders[i] > 0 || st.has.get(i)) continue
      give(peer, st, i)
    }
    if (st.offered.size >= lookahead || visited < n) return
    for (let i = 0; i < n && st.offered.size < lookahead; i++) {
      if (holders[i] === 0 && pending[i] === 0 && offeredCount[i] === 0 && !st.has.get(i)) give(peer, st, i)
    }
  }

  const topUpAll = (): void => { for (const peer of peers.keys()) topUp(peer) }

  return {
    sentCounts: sent,
    get firstPassRepeats () { return firstPassRepeats },
    addPeer (peer) {
      if (peers.has(peer)) return
      peers.set(peer, { has: new BitSet(n), offered: new Set(), unconfirmed: new Set(), lastProgress: now() })
      lookahead = Math.max(1, Math.ceil(totalLookahead / peers.size))
      topUp(peer)
    },
    removePeer (peer) {
      const st = peers.get(peer)
      if (st == null) return
      for (const i of st.offered) offeredCount[i]--
      for (const i of st.unconfirmed) pending[i]--
      for (let i = 0; i < n; i++) if (st.has.get(i)) holders[i]--
      peers.delete(peer)
      lookahead = Math.max(1, Math.ceil(totalLookahead / Math.max(1, peers.size)))
      topUpAll()
    },
    remoteHas (peer, bits) {
      const st = peers.get(peer)
      if (st == null) return
      for (let i = 0; i < n; i++) {
        if (bits.get(i) && st.has.set(i)) {
          holders[i]++
          if (st.unconfirmed.delete(i)) pending[i]--
          retire(st, i)
        }
      }
      st.lastProgress = now()
      topUp(peer)
    },
    remoteHave (peer, index) {
      const st = peers.get(peer)
      if (st == null || index >= n) return
      if (st.has.set(index)) holders[index]++
      if (st.unconfirmed.delete(index)) pending[index]--
      retire(st, index)
      st.lastProgress = now()
      topUp(peer)
    },
    uploaded (peer, index) {
      if (sent[index] === 0) unsent--
      else if (unsent > 0) firstPassRepeats++
      sent[index]++
      const st = peers.get(peer)
      if (st != null) {
        retire(st, index)
        if (!st.has.get(index) && !st.unconfirmed.has(index)) { st.unconfirmed.add(index); pending[index]++ }
      }
      topUp(peer)
    },
    mayServe (peer, index) {
      const st = peers.get(peer)
      return st != null && (st.offered.has(index) || st.unconfirmed.has(index))
    },
    tick () {
      const t = now()
      for (const [peer, st] of peers) {
        if (st.has.full() || st.offered.size > 0 || t - st.lastProgress < starveMs) continue
        let best = -1
        for (let i = 0; i < n; i++) {
          if (!st.has.get(i) && (best < 0 || holders[i] < holders[best])) best = i
        }
        if (best >= 0) { give(peer, st, best); st.lastProgress = t }
      }
    }
  }
}

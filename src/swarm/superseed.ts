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
 * 3. An offer a neighbour has neither asked for nor made any progress on for
 *    `starveMs` is withdrawn (it may no longer ask for that block) and goes
 *    to others: a paused or hung host does not hold blocks hostage. That
 *    neighbour gets no new offers until it shows life again.
 * 4. A neighbour is fed directly (one block it lacks, never-sent blocks
 *    first, then the rarest) only when it looks cut off from the others:
 *    - it has had no new block for `starveMs`, the first pass is complete,
 *      it has never reported a block it got from anyone but the seeder, and
 *      meanwhile the other neighbours got at least one block each from peers
 *      (or nobody got any for `starveMs`: no one can trade); or
 *    - it has had no new block for `patienceMs` (and for 4× its own mean
 *      time between blocks, so a host that is merely slow, e.g. CPU-starved,
 *      is not mistaken for a cut-off one).
 *    A busy or slow swarm thus costs no repeats; a peer that cannot reach
 *    the others still finishes, one block per `starveMs`.
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
 * Time without any sign of progress after which an unrequested offer is
 * withdrawn, and after which a neighbour that never got a block from anyone
 * else is fed directly
 *
 * @default 5000
 */
export const DEFAULT_STARVE_MS = 5000
/**
 * Time without a new block after which any neighbour is fed directly (see
 * rule 4: at least 4× its own mean time between blocks)
 *
 * @default 30000
 */
export const DEFAULT_PATIENCE_MS = 30_000
/** a neighbour's gap must also exceed this many times its own mean time between blocks */
const PACE_FACTOR = 4

export interface SuperSeederInit {
  blockCount: number
  /** reveal block `index` to `peer` (send HAVE) */
  offer: (peer: string, index: number) => void
  /** offers outstanding in total (see DEFAULT_LOOKAHEAD) */
  lookahead?: number
  /** see DEFAULT_STARVE_MS */
  starveMs?: number
  /** see DEFAULT_PATIENCE_MS */
  patienceMs?: number
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
  /**
   * The neighbour asks for block `index`: whether it may be sent (see
   * `mayServe`); an accepted request is recorded (such an offer is never
   * withdrawn: its block may already be on its way)
   */
  requested: (peer: string, index: number) => boolean
  /** a block was sent to the neighbour */
  uploaded: (peer: string, index: number) => void
  /** periodic check (every second) for stalled and starving neighbours */
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
  /** offers withdrawn from neighbours that neither asked for them nor made progress */
  readonly withdrawnOffers: number
  /** blocks offered to neighbours that looked cut off (rule 4) */
  readonly fedBlocks: number
}

interface PeerState {
  has: BitSet
  /** offered block → when */
  offered: Map<number, number>
  /** offered blocks it asked for */
  asked: Set<number>
  unconfirmed: Set<number>
  joined: number
  /** last new block it reported */
  lastProgress: number
  /** last new block, request or bitfield: any sign of life */
  lastActive: number
  /** new blocks it reported since it joined */
  gained: number
  /** of those, blocks the seeder did not send it: it trades with others */
  fromOthers: number
  /** offers were withdrawn: none until it shows life again */
  stalled: boolean
  /** `traded` at its last new block (or feed) */
  tradedAt: number
}

export function createSuperSeeder (init: SuperSeederInit): SuperSeeder {
  const n = init.blockCount
  const totalLookahead = init.lookahead ?? DEFAULT_LOOKAHEAD
  let lookahead = totalLookahead
  const starveMs = init.starveMs ?? DEFAULT_STARVE_MS
  const patienceMs = init.patienceMs ?? DEFAULT_PATIENCE_MS
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
  let withdrawnOffers = 0
  let fedBlocks = 0
  /** blocks neighbours reported getting from someone other than the seeder, and when the last was */
  let traded = 0
  let lastTrade = now()

  const give = (peer: string, st: PeerState, index: number): void => {
    st.offered.set(index, now())
    offeredCount[index]++
    init.offer(peer, index)
  }

  const retire = (st: PeerState, index: number): void => {
    if (st.offered.delete(index)) offeredCount[index]--
    st.asked.delete(index)
  }

  const topUp = (peer: string): void => {
    const st = peers.get(peer)
    if (st == null || st.stalled) return
    while (st.offered.size < lookahead && visited < n) {
      const i = (start + visited++) % n
      if (sent[i] > 0 || offeredCount[i] > 0 || holders[i] > 0 || st.has.get(i)) continue
      give(peer, st, i)
    }
    for (let i = 0; i < n && st.offered.size < lookahead; i++) {
      if (holders[i] === 0 && pending[i] === 0 && offeredCount[i] === 0 && !st.has.get(i)) give(peer, st, i)
    }
  }

  const topUpAll = (): void => { for (const peer of peers.keys()) topUp(peer) }

  /** the neighbour shows life: it may be offered blocks again */
  const alive = (peer: string, st: PeerState, t: number): void => {
    st.lastActive = t
    if (st.stalled) { st.stalled = false; topUp(peer) }
  }

  const gain = (st: PeerState, index: number, t: number): void => {
    if (!st.has.set(index)) return
    holders[index]++
    if (st.unconfirmed.delete(index)) pending[index]--
    // neither sent nor offered to it (an offered block may arrive before its upload is counted)
    else if (!st.offered.has(index)) { st.fromOthers++; traded++; lastTrade = t }
    retire(st, index)
    st.gained++
    st.lastProgress = t
    st.tradedAt = traded
  }

  /** withdraw offers not asked for from a neighbour silent for starveMs */
  const withdrawStale = (st: PeerState, t: number): boolean => {
    if (t - st.lastActive < starveMs) return false
    let any = false
    for (const [index, at] of st.offered) {
      if (st.asked.has(index) || t - at < starveMs) continue
      retire(st, index)
      withdrawnOffers++
      any = true
    }
    if (any) st.stalled = true
    return any
  }

  const starving = (st: PeerState, t: number): boolean => {
    if (st.has.full() || st.offered.size > 0 || st.stalled) return false
    const gap = t - st.lastProgress
    if (gap >= starveMs && unsent === 0 && st.fromOthers === 0 &&
      (traded - st.tradedAt >= Math.max(1, peers.size - 1) || t - lastTrade >= starveMs)) return true
    const pace = st.gained > 1 ? (st.lastProgress - st.joined) / st.gained : 0
    return gap >= Math.max(patienceMs, PACE_FACTOR * pace)
  }

  /**
   * A block for a starving neighbour: the one fewest neighbours hold, are
   * being sent or are offered; among those, one never sent
   */
  const pickFor = (st: PeerState): number => {
    let best = -1
    let bestScore = Infinity
    for (let i = 0; i < n; i++) {
      if (st.has.get(i)) continue
      const score = 2 * (holders[i] + pending[i] + offeredCount[i]) + (sent[i] === 0 ? 0 : 1)
      if (score < bestScore) { best = i; bestScore = score }
    }
    return best
  }

  return {
    sentCounts: sent,
    get firstPassRepeats () { return firstPassRepeats },
    get withdrawnOffers () { return withdrawnOffers },
    get fedBlocks () { return fedBlocks },
    addPeer (peer) {
      if (peers.has(peer)) return
      const t = now()
      peers.set(peer, { has: new BitSet(n), offered: new Map(), asked: new Set(), unconfirmed: new Set(), joined: t, lastProgress: t, lastActive: t, gained: 0, fromOthers: 0, stalled: false, tradedAt: traded })
      lookahead = Math.max(1, Math.ceil(totalLookahead / peers.size))
      topUp(peer)
    },
    removePeer (peer) {
      const st = peers.get(peer)
      if (st == null) return
      for (const i of st.offered.keys()) offeredCount[i]--
      for (const i of st.unconfirmed) pending[i]--
      for (let i = 0; i < n; i++) if (st.has.get(i)) holders[i]--
      peers.delete(peer)
      lookahead = Math.max(1, Math.ceil(totalLookahead / Math.max(1, peers.size)))
      topUpAll()
    },
    remoteHas (peer, bits) {
      const st = peers.get(peer)
      if (st == null) return
      const t = now()
      for (let i = 0; i < n; i++) if (bits.get(i)) gain(st, i, t)
      alive(peer, st, t)
      topUp(peer)
    },
    remoteHave (peer, index) {
      const st = peers.get(peer)
      if (st == null || index >= n) return
      const t = now()
      gain(st, index, t)
      alive(peer, st, t)
      topUp(peer)
    },
    requested (peer, index) {
      const st = peers.get(peer)
      if (st == null) return false
      alive(peer, st, now())
      if (st.offered.has(index)) { st.asked.add(index); return true }
      return st.unconfirmed.has(index)
    },
    uploaded (peer, index) {
      if (sent[index] === 0) {
        // the first pass is complete: trading among peers is judged from now on
        if (--unsent === 0) lastTrade = now()
      } else if (unsent > 0) firstPassRepeats++
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
      let withdrew = false
      for (const st of peers.values()) if (withdrawStale(st, t)) withdrew = true
      if (withdrew) topUpAll()
      for (const [peer, st] of peers) {
        if (!starving(st, t)) continue
        const best = pickFor(st)
        if (best < 0) continue
        give(peer, st, best)
        fedBlocks++
        st.lastProgress = t
        st.tradedAt = traded
      }
    }
  }
}

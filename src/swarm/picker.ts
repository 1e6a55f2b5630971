/**
 * Which block to ask a neighbour for next: random among the first few (so
 * peers start with different blocks and have something to trade), then
 * rarest-first, and in endgame the blocks still in flight elsewhere.
 * Blocks are bucketed by availability so a pick does not scan every
 * block for every peer.
 */
import { BitSet } from './bitset.js'

/** @default 4 */
export const DEFAULT_RANDOM_FIRST = 4
/** @default 2 */
export const DEFAULT_ENDGAME_DUPLICATES = 2

export interface PickerInit {
  blockCount: number
  /** blocks already held */
  have?: BitSet
  randomFirst?: number
  endgameDuplicates?: number
  random?: () => number
}

export interface Picker {
  addPeer: (peer: string, bits: BitSet) => void
  removePeer: (peer: string) => void
  peerHas: (peer: string, index: number) => void
  /** a block to request from `peer` (recorded as in flight), or undefined */
  pick: (peer: string) => number | undefined
  /** a block arrived; returns the other peers it was requested from, to CANCEL */
  received: (index: number, from: string) => string[]
  /** a request failed: the block is wanted again */
  failed: (index: number, peer: string) => void
  inFlight: (peer: string) => number
  endgame: () => boolean
  complete: () => boolean
  availability: (index: number) => number
}

export function createPicker (init: PickerInit): Picker {
  const n = init.blockCount
  const have = init.have ?? new BitSet(n)
  const randomFirst = init.randomFirst ?? DEFAULT_RANDOM_FIRST
  const dupes = init.endgameDuplicates ?? DEFAULT_ENDGAME_DUPLICATES
  const random = init.random ?? Math.random
  const avail = new Uint16Array(n)
  const peers = new Map<string, BitSet>()
  const flying = new Map<number, Set<string>>() // index → peers asked
  const perPeer = new Map<string, number>()
  /** wanted (missing, not in flight) blocks grouped by availability */
  const buckets: Array<Set<number>> = []
  const bucket = (a: number): Set<number> => { while (buckets.length <= a) buckets.push(new Set()); return buckets[a] }
  for (let i = 0; i < n; i++) if (!have.get(i)) bucket(0).add(i)

  const wanted = (i: number): boolean => !have.get(i) && !flying.has(i)
  const move = (i: number, from: number, to: number): void => {
    if (!wanted(i)) return
    buckets[from]?.delete(i)
    bucket(to).add(i)
  }
  const bump = (peer: string, d: number): void => { perPeer.set(peer, (perPeer.get(peer) ?? 0) + d) }
  const request = (i: number, peer: string): number => {
    if (!flying.has(i)) buckets[avail[i]]?.delete(i)
    let s = flying.get(i)
    if (s == null) { s = new Set(); flying.set(i, s) }
    s.add(peer)
    bump(peer, 1)
    return i
  }

  /** a uniformly random wanted block the peer has: sample, then fall back to rarest */
  const randomPick = (bits: BitSet): number | undefined => {
    for (let tries = 0; tries < 64; tries++) {
      const i = Math.floor(random() * n)
      if (wanted(i) && avail[i] > 0 && bits.get(i)) return i
    }
    return rarestPick(bits)
  }

  function rarestPick (bits: BitSet): number | undefined {
    for (let a = 1; a < buckets.length; a++) {
      const b = buckets[a]
      if (b.size === 0) continue
      // random tie-break among the peer's blocks of this rarity, without building a big array
      let chosen: number | undefined
      let seen = 0
      for (const i of b) {
        if (!bits.get(i)) continue
        seen++
        if (random() * seen < 1) chosen = i
        if (seen >= 64) break
      }
      if (chosen !== undefined) return chosen
    }
    return undefined
  }

  const endgamePick = (peer: string, bits: BitSet): number | undefined => {
    let best: number | undefined
    let fewest = Infinity
    for (const [i, s] of flying) {
      if (s.has(peer) || s.size >= dupes || !bits.get(i)) continue
      if (s.size < fewest) { fewest = s.size; best = i }
    }
    return best
  }

  const isEndgame = (): boolean => {
    for (const b of buckets) if (b.size > 0) return false
    return flying.size > 0
  }

  return {
    addPeer (peer, bits) {
      const old = peers.get(peer)
      peers.set(peer, bits)
      for (let i = 0; i < n; i++) {
        const had = old?.get(i) === true
        if (bits.get(i) && !had) { move(i, avail[i], avail[i] + 1); avail[i]++ }
      }
    },
    removePeer (peer) {
      const bits = peers.get(peer)
      if (bits == null) return
      peers.delete(peer)
      for (let i = 0; i < n; i++) {
        if (bits.get(i) && avail[i] > 0) { move(i, avail[i], avail[i] - 1); avail[i]-- }
      }
      for (const [i, s] of flying) if (s.has(peer)) this.failed(i, peer)
      perPeer.delete(peer)
    },
    peerHas (peer, index) {
      if (index < 0 || index >= n) return
      const bits = peers.get(peer)
      // the session's BitSet is shared with us: it is already set; count it once
      if (bits == null) return
      move(index, avail[index], avail[index] + 1)
      avail[index]++
    },
    pick (peer) {
      const bits = peers.get(peer)
      if (bits == null) return undefined
      const i = have.count() < randomFirst ? randomPick(bits) : rarestPick(bits)
      if (i !== undefined) return request(i, peer)
      const e = isEndgame() ? endgamePick(peer, bits) : undefined
      return e !== undefined ? request(e, peer) : undefined
    },
    received (index, from) {
      have.set(index)
      const s = flying.get(index)
      flying.delete(index)
      buckets[avail[index]]?.delete(index)
      const others: string[] = []
      for (const p of s ?? []) { bump(p, -1); if (p !== from) others.push(p) }
      return others
    },
    failed (index, peer) {
      const s = flying.get(index)
      if (s == null || !s.delete(peer)) return
      bump(peer, -1)
      if (s.size === 0) {
        flying.delete(index)
        if (!have.get(index)) bucket(avail[index]).add(index)
      }
    },
    inFlight: (peer) => perPeer.get(peer) ?? 0,
    endgame: isEndgame,
    complete: () => have.full(),
    availability: (index) => avail[index]
  }
}

/**
 * When a peer pulls catalogues and when it turns to a seeder (SPEC.md §1,
 * "Connections"): pure functions, used by the peer role (src/roles/links.ts)
 * and by the region simulator (bench/sim/announce.ts) alike.
 */

/** Other peers a peer keeps connected for gossip (`[peer] gossip_neighbours`). @default 6 */
export const DEFAULT_GOSSIP_NEIGHBOURS = 6
/** How often a peer pulls the catalogues from a random neighbour (`[peer] catalogue_pull_interval`). @default 5000 */
export const DEFAULT_PULL_INTERVAL = 5000
/** A seeder not heard of (gossip or pull) this long is asked directly. @default 90000 */
export const DEFAULT_SEEDER_SILENCE = 90_000
/** Rounds while a peer has no catalogue or too few neighbours, ms. @default 1000 */
export const FAST_ROUND = 1000

export interface SeederNeedState {
  /** a catalogue of this seeder was applied */
  hasCatalogue: boolean
  /** the seeder made this peer one of its gossip links */
  linked: boolean
  connected: boolean
  /** the peer has no neighbour (other peer) connected */
  alone: boolean
  /** ms since a well-signed, current announcement of this seeder arrived (Infinity: never) */
  sinceHeard: number
  /** ms since this peer last pulled from this seeder directly (Infinity: never) */
  sinceSeederPull: number
}

export interface RelayTimings {
  /** @default DEFAULT_PULL_INTERVAL */
  pullInterval?: number
  /** @default DEFAULT_SEEDER_SILENCE */
  silence?: number
}

/** Should the peer pull from (and so connect to) this seeder now? */
export function needSeeder (s: SeederNeedState, t: RelayTimings = {}): boolean {
  const pullInterval = t.pullInterval ?? DEFAULT_PULL_INTERVAL
  const silence = t.silence ?? DEFAULT_SEEDER_SILENCE
  if (!s.hasCatalogue) return s.sinceSeederPull >= FAST_ROUND
  if (s.linked) return !s.connected && s.sinceSeederPull >= FAST_ROUND
  if (s.alone) return s.sinceSeederPull >= pullInterval
  return s.sinceHeard > silence && s.sinceSeederPull > silence
}

/** Delay before the next round: fast while settling (no catalogue yet, too few neighbours), ±20 % jitter so peers do not pull in step */
export function roundDelay (settling: boolean, pullInterval: number, random: () => number = Math.random): number {
  const base = settling ? Math.min(FAST_ROUND, pullInterval) : pullInterval
  return base * (0.8 + 0.4 * random())
}

/** One random element (the neighbour to pull from), or undefined */
export function pickOne<T> (items: readonly T[], random: () => number = Math.random): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)]
}

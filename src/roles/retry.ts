/** The retry policy both roles use: exponential back-off with a ceiling */

/**
 * Longest wait between two attempts to download an image on a peer
 *
 * @default 300000 (5 min)
 */
export const DEFAULT_MAX_RETRY = 300_000

/**
 * The wait before retry number `attempt` (0 = the first retry): `first`
 * doubled per attempt (at most `maxDoublings` times), never more than `max`.
 */
export function backoff (attempt: number, first: number, max: number, maxDoublings = 30): number {
  return Math.min(max, first * 2 ** Math.min(Math.max(0, attempt), maxDoublings))
}

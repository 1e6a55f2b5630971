/**
 * A fetcher's own download bandwidth limit, so a seeder never floods the
 * image store: the one token bucket (util/token-bucket.ts) with a burst of a
 * quarter second of rate.
 */
import { createTokenBucket } from '../util/token-bucket.js'

export interface RateLimiter {
  take: (bytes: number, signal?: AbortSignal) => Promise<void>
}

/**
 * Bytes allowed in one go after an idle period, in seconds of rate
 *
 * @default 0.25
 */
export const DEFAULT_BURST_SECONDS = 0.25

/** Smallest burst, so a tiny rate still moves whole read chunks. @default 64 KiB */
export const MIN_BURST = 64 * 1024

export function rateLimiter (init: { rate: number, burstSeconds?: number }): RateLimiter {
  return createTokenBucket({ rate: init.rate, burst: Math.max(MIN_BURST, init.rate * (init.burstSeconds ?? DEFAULT_BURST_SECONDS)) })
}

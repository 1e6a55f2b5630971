/**
 * A small token bucket for a fetcher's own download bandwidth, so a seeder
 * never floods the image store. `take(n)` waits until n bytes fit the rate.
 */
import { AbortedError } from '../errors.js'

export interface RateLimiter {
  take: (bytes: number, signal?: AbortSignal) => Promise<void>
}

/**
 * Bytes allowed in one go after an idle period, in seconds of rate
 *
 * @default 0.25
 */
export const DEFAULT_BURST_SECONDS = 0.25

export function rateLimiter (init: { rate: number, burstSeconds?: number }): RateLimiter {
  const rate = init.rate
  const burst = Math.max(64 * 1024, rate * (init.burstSeconds ?? DEFAULT_BURST_SECONDS))
  let tokens = burst
  let last = performance.now()
  return {
    async take (bytes, signal) {
      if (rate <= 0) return
      const t = performance.now()
      tokens = Math.min(burst, tokens + (t - last) * rate / 1000)
      last = t
      tokens -= bytes
      if (tokens >= 0) return
      const wait = -tokens / rate * 1000
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted === true) { reject(new AbortedError('download aborted')); return }
        const onAbort = (): void => { clearTimeout(timer); reject(new AbortedError('download aborted')) }
        const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, wait)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }
}

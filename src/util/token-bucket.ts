/**
 * A token bucket for block data: `take(n)` resolves once n bytes fit in the
 * configured average rate. Requests larger than the burst go into debt, so a
 * 1 MiB block under a small burst still passes at the average rate. Takers are
 * served in FIFO order.
 */
import { AbortedError } from '../errors.js'

/** The smallest default burst (bytes). @default 256 KiB */
export const MIN_BURST = 256 * 1024
/** The default burst is this fraction of a second at the full rate. @default 0.1 */
export const BURST_SECONDS = 0.1

export interface TokenBucketInit {
  /** bytes per second; 0 = unlimited */
  rate: number
  /**
   * Bytes that may pass at once after a quiet period
   *
   * @default max(rate × BURST_SECONDS, MIN_BURST)
   */
  burst?: number
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface TokenBucket {
  take: (bytes: number, signal?: AbortSignal) => Promise<void>
  readonly rate: number
}

const defaultSleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(new AbortedError('rate-limited wait aborted')); return }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(new AbortedError('rate-limited wait aborted')) }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export function createTokenBucket (init: TokenBucketInit): TokenBucket {
  const rate = init.rate
  const burst = init.burst ?? Math.max(rate * BURST_SECONDS, MIN_BURST)
  const now = init.now ?? Date.now
  const sleep = init.sleep ?? defaultSleep
  let tokens = burst
  let last = now()
  let queue: Promise<void> = Promise.resolve()

  const refill = (): void => {
    const t = now()
    tokens = Math.min(burst, tokens + (t - last) * rate / 1000)
    last = t
  }

  return {
    rate,
    async take (bytes, signal) {
      if (rate <= 0) return
      if (signal?.aborted === true) throw new AbortedError('rate-limited wait aborted')
      const mine = queue.then(async () => {
        if (signal?.aborted === true) throw new AbortedError('rate-limited wait aborted')
        refill()
        tokens -= bytes
        if (tokens < 0) await sleep(Math.ceil(-tokens * 1000 / rate), signal)
      })
      queue = mine.catch(() => {})
      await mine
    }
  }
}

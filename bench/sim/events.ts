/**
 * The simulator's clock: a discrete-event loop over virtual seconds. Nothing
 * in the simulation reads the wall clock; the policy code under test gets
 * `loop.now` (in milliseconds, as it expects) through its injected `now`.
 */
import { Heap } from './heap.js'

/** Something besides timers that has events of its own (the flow network) */
export interface EventSource {
  /** virtual time (s) of its next event, Infinity if none */
  next: () => number
  /** handle every event due at `now` */
  fire: (now: number) => void
}

export interface EventLoop {
  /** virtual time, seconds */
  readonly now: number
  /** virtual time in milliseconds, for code that takes `now: () => number` */
  readonly nowMs: () => number
  at: (t: number, fn: () => void) => void
  after: (dt: number, fn: () => void) => void
  /** a repeating timer; returns a function that stops it */
  every: (dt: number, fn: () => void) => () => void
  addSource: (s: EventSource) => void
  /** runs until no event is left, `until` is reached or `stop()` is called */
  run: (until?: number) => void
  stop: () => void
  readonly events: number
}

export function createEventLoop (): EventLoop {
  const timers = new Heap<() => void>()
  const sources: EventSource[] = []
  let now = 0
  let stopped = false
  let events = 0
  const loop: EventLoop = {
    get now () { return now },
    nowMs: () => now * 1000,
    get events () { return events },
    at (t, fn) { timers.push(Math.max(t, now), fn) },
    after (dt, fn) { timers.push(now + Math.max(0, dt), fn) },
    every (dt, fn) {
      let on = true
      const tick = (): void => { if (!on) return; fn(); if (on) loop.after(dt, tick) }
      loop.after(dt, tick)
      return () => { on = false }
    },
    addSource (s) { sources.push(s) },
    run (until = Infinity) {
      stopped = false
      while (!stopped) {
        let t = timers.topKey()
        let src: EventSource | undefined
        for (const s of sources) {
          const ts = s.next()
          if (ts < t) { t = ts; src = s }
        }
        if (t === Infinity || t > until) break
        now = t
        events++
        if (src != null) src.fire(t)
        else timers.pop()()
      }
    },
    stop () { stopped = true }
  }
  return loop
}

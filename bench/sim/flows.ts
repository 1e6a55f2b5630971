/**
 * Flow-level network model. A resource is a capacity in bytes/s (a host's
 * uplink, its downlink, the origin's uplink, optionally a CPU shared by every
 * host on one machine); a flow crosses a few resources and gets its max-min
 * fair share of them, computed exactly by progressive filling: raise every
 * unfrozen flow's rate together until some resource is full, freeze the flows
 * through it, repeat. Rates are recomputed when the set of flows changes (at
 * most once per `quantum` of virtual time, 0 = at every change); between
 * recomputations each flow's bytes drain at a constant rate, so a flow's end
 * is an exact event.
 *
 * A flow carries one transfer at a time (one block on a connection); a
 * connection that goes on with its next block keeps its flow and rate.
 */
import { IndexedHeap } from './heap.js'
import type { EventLoop } from './events.js'

/**
 * Max-min fair rates of `flows` (each a list of resource indexes) over
 * resources of the given capacities. Every flow must cross at least one
 * resource of finite capacity.
 */
export function maxMinRates (capacities: ArrayLike<number>, flows: number[][]): number[] {
  const ids = flows.map((_, i) => i)
  const rates = new Float64Array(flows.length)
  fill(capacities, ids, i => flows[i], rates)
  return [...rates]
}

function fill (capacities: ArrayLike<number>, active: number[], resOf: (f: number) => number[], out: Float64Array): void {
  const R = capacities.length
  // flows per finite resource, as one flat array with offsets
  const cnt = new Float64Array(R)
  for (const f of active) for (const r of resOf(f)) if (capacities[r] !== Infinity) cnt[r]++
  const offset = new Int32Array(R + 1)
  for (let r = 0; r < R; r++) offset[r + 1] = offset[r] + cnt[r]
  const fill = offset.slice(0, R)
  const flat = new Int32Array(offset[R])
  for (const f of active) for (const r of resOf(f)) if (capacities[r] !== Infinity) flat[fill[r]++] = f
  const cap = new Float64Array(R)
  const heap = new IndexedHeap()
  for (let r = 0; r < R; r++) {
    if (cnt[r] === 0) continue
    cap[r] = capacities[r]
    heap.set(r, cap[r] / cnt[r])
  }
  let maxId = 0
  for (const f of active) if (f > maxId) maxId = f
  const frozen = new Uint8Array(maxId + 1)
  while (heap.size > 0) {
    const r = heap.pop()
    if (cnt[r] <= 0) continue
    const share = Math.max(0, cap[r] / cnt[r])
    for (let k = offset[r]; k < offset[r + 1]; k++) {
      const f = flat[k]
      if (frozen[f] === 1) continue
      frozen[f] = 1
      out[f] = share
      for (const r2 of resOf(f)) {
        if (r2 === r || capacities[r2] === Infinity) continue
        cap[r2] -= share
        cnt[r2]--
        if (cnt[r2] > 0) heap.set(r2, Math.max(0, cap[r2]) / cnt[r2]); else heap.delete(r2)
      }
    }
    cnt[r] = 0
  }
  for (const f of active) if (frozen[f] !== 1) throw new RangeError(`flow ${f} crosses no resource of finite capacity`)
}

export type FlowDone = (flow: number, now: number) => void

export interface FlowNetwork {
  /** a resource of `capacity` bytes/s (Infinity = unconstrained); returns its index */
  addResource: (capacity: number) => number
  setCapacity: (resource: number, capacity: number) => void
  /** starts a flow over `resources` carrying `bytes`; `done` fires when the last byte is sent */
  start: (resources: number[], bytes: number, done: FlowDone) => number
  /** from inside `done`: the same flow goes on with `bytes` more (keeps its rate) */
  next: (flow: number, bytes: number, done: FlowDone) => void
  /** ends a flow early (a host went away); its `done` never fires */
  abort: (flow: number) => void
  rate: (flow: number) => number
  readonly active: number
  readonly recomputations: number
}

export function createFlowNetwork (loop: EventLoop, init: { quantum?: number } = {}): FlowNetwork {
  const quantum = init.quantum ?? 0
  const capacities: number[] = []
  const res: number[][] = []
  const remaining: number[] = []
  const rates: number[] = []
  const last: number[] = []
  const dones: Array<FlowDone | undefined> = []
  const free: number[] = []
  const active = new Set<number>()
  const finish = new IndexedHeap()
  let out = new Float64Array(1024)
  let dirtyAt = Infinity
  let recomputations = 0
  let continued = -1

  const markDirty = (now: number): void => { if (dirtyAt === Infinity) dirtyAt = now + quantum }

  const schedule = (f: number): void => {
    if (rates[f] > 0) finish.set(f, last[f] + remaining[f] / rates[f]); else finish.delete(f)
  }

  const recompute = (now: number): void => {
    dirtyAt = Infinity
    recomputations++
    const ids = [...active]
    for (const f of ids) { remaining[f] -= rates[f] * (now - last[f]); last[f] = now }
    if (out.length < res.length) out = new Float64Array(res.length * 2)
    fill(capacities, ids, f => res[f], out)
    for (const f of ids) {
      if (out[f] !== rates[f]) { rates[f] = out[f]; schedule(f) }
    }
  }

  const remove = (f: number): void => {
    active.delete(f)
    finish.delete(f)
    dones[f] = undefined
    rates[f] = 0
    free.push(f)
  }

  loop.addSource({
    next: () => Math.min(dirtyAt, finish.topKey()),
    fire (now) {
      if (dirtyAt <= finish.topKey()) { recompute(now); return }
      const f = finish.pop()
      remaining[f] = 0
      last[f] = now
      const done = dones[f] as FlowDone
      continued = -1
      done(f, now)
      if (continued === f) { schedule(f); return }
      remove(f)
      markDirty(now)
    }
  })

  return {
    addResource (capacity) { capacities.push(capacity); return capacities.length - 1 },
    setCapacity (r, capacity) { capacities[r] = capacity; markDirty(loop.now) },
    start (resources, bytes, done) {
      const f = free.pop() ?? res.length
      res[f] = resources
      remaining[f] = bytes
      rates[f] = 0
      last[f] = loop.now
      dones[f] = done
      active.add(f)
      markDirty(loop.now)
      return f
    },
    next (f, bytes, done) {
      remaining[f] = bytes
      last[f] = loop.now
      dones[f] = done
      continued = f
    },
    abort (f) {
      if (!active.has(f)) return
      remove(f)
      markDirty(loop.now)
    },
    rate: (f) => rates[f] ?? 0,
    get active () { return active.size },
    get recomputations () { return recomputations }
  }
}

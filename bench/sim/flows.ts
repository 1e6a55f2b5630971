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
  const width = Math.max(1, ...flows.map(f => f.length))
  const res = new Int32Array(flows.length * width).fill(-1)
  flows.forEach((f, i) => { f.forEach((r, k) => { res[i * width + k] = r }) })
  const rates = new Float64Array(flows.length)
  fill(Float64Array.from(capacities), Int32Array.from(flows.keys()), flows.length, res, width, rates)
  return [...rates]
}

/**
 * Progressive filling over `count` active flows (ids in `active`), each with
 * up to `width` resources in `res` (flow f's at res[f*width…], -1 = none).
 */
function fill (capacities: Float64Array, active: Int32Array, count: number, res: Int32Array, width: number, out: Float64Array): void {
  const R = capacities.length
  const cnt = new Float64Array(R)
  for (let a = 0; a < count; a++) {
    const base = active[a] * width
    for (let k = 0; k < width; k++) { const r = res[base + k]; if (r >= 0 && capacities[r] !== Infinity) cnt[r]++ }
  }
  const offset = new Int32Array(R + 1)
  for (let r = 0; r < R; r++) offset[r + 1] = offset[r] + cnt[r]
  const pos = offset.slice(0, R)
  const flat = new Int32Array(offset[R])
  for (let a = 0; a < count; a++) {
    const f = active[a]
    const base = f * width
    for (let k = 0; k < width; k++) { const r = res[base + k]; if (r >= 0 && capacities[r] !== Infinity) flat[pos[r]++] = f }
  }
  const cap = new Float64Array(R)
  const heap = new IndexedHeap()
  for (let r = 0; r < R; r++) {
    if (cnt[r] === 0) continue
    cap[r] = capacities[r]
    heap.set(r, cap[r] / cnt[r])
  }
  let maxId = 0
  for (let a = 0; a < count; a++) if (active[a] > maxId) maxId = active[a]
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
      const base = f * width
      for (let j = 0; j < width; j++) {
        const r2 = res[base + j]
        if (r2 < 0 || r2 === r || capacities[r2] === Infinity) continue
        cap[r2] -= share
        cnt[r2]--
        if (cnt[r2] > 0) heap.set(r2, Math.max(0, cap[r2]) / cnt[r2]); else heap.delete(r2)
      }
    }
    cnt[r] = 0
  }
  for (let a = 0; a < count; a++) if (frozen[active[a]] !== 1) throw new RangeError(`flow ${active[a]} crosses no resource of finite capacity`)
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

/** Most resources one flow crosses (sender uplink, receiver downlink, a shared CPU) */
const WIDTH = 3

export function createFlowNetwork (loop: EventLoop, init: { quantum?: number } = {}): FlowNetwork {
  const quantum = init.quantum ?? 0
  const capList: number[] = []
  let capacities = new Float64Array(0)
  let res = new Int32Array(1024 * WIDTH).fill(-1)
  let slots = 0
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
    const ids = Int32Array.from(active)
    for (const f of ids) { remaining[f] -= rates[f] * (now - last[f]); last[f] = now }
    if (capacities.length !== capList.length) capacities = Float64Array.from(capList)
    if (out.length < slots) out = new Float64Array(slots * 2)
    fill(capacities, ids, ids.length, res, WIDTH, out)
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
    addResource (capacity) { capList.push(capacity); return capList.length - 1 },
    setCapacity (r, capacity) { capList[r] = capacity; capacities = new Float64Array(0); markDirty(loop.now) },
    start (resources, bytes, done) {
      if (resources.length > WIDTH) throw new RangeError(`a flow crosses at most ${WIDTH} resources`)
      const f = free.pop() ?? slots++
      if (res.length < slots * WIDTH) { const grown = new Int32Array(res.length * 2).fill(-1); grown.set(res); res = grown }
      for (let k = 0; k < WIDTH; k++) res[f * WIDTH + k] = k < resources.length ? resources[k] : -1
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

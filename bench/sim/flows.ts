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
 * Recomputation is incremental: max-min rates of flows that share no
 * finite-capacity resource (directly or through other flows) are independent,
 * so only the connected component of the resources touched since the last
 * recomputation is filled again; every other flow keeps its rate and its
 * scheduled end. Each resource keeps the list of flows crossing it, so a
 * recomputation costs O(size of that component), not O(all flows).
 *
 * A flow carries one transfer at a time (one block on a connection); a
 * connection that goes on with its next block keeps its flow and rate.
 */
import { IndexedHeap } from './heap.js'
import type { EventLoop } from './events.js'

/** Most resources one flow crosses (sender uplink, receiver downlink, a shared CPU) */
const WIDTH = 3

/**
 * Resources, the flows crossing each, and exact max-min rates recomputed
 * over the component of the resources touched since the last `solve`.
 */
export class MaxMinSolver {
  private caps: number[] = []
  /** flows crossing each resource (unordered; removal swaps the last in) */
  private adj: number[][] = []
  /** flow f's resources at res[f*WIDTH…] (-1 = none), and its position in each one's list */
  private res = new Int32Array(256 * WIDTH).fill(-1)
  private where = new Int32Array(256 * WIDTH)
  readonly rates: number[] = []
  /** a flow's own ceiling (a TCP window over its round trip), Infinity = none */
  readonly limits: number[] = []
  /** the resource whose fair share froze the flow at the last fill, -1 = its own limit */
  readonly frozenAt: number[] = []
  private live: Uint8Array = new Uint8Array(256)
  private dirty: number[] = []
  private epoch = 1
  private resSeen = new Int32Array(0)
  private flowSeen = new Int32Array(256)
  private left = new Float64Array(0)
  private cnt = new Int32Array(0)
  private heap = new IndexedHeap()
  /** flows whose rate the last `solve` computed */
  readonly component: number[] = []

  get resources (): number { return this.caps.length }

  addResource (capacity: number): number {
    this.caps.push(capacity)
    this.adj.push([])
    return this.caps.length - 1
  }

  setCapacity (r: number, capacity: number): void {
    this.caps[r] = capacity
    this.touch(r)
  }

  /** flow `f` (a small id, reused after `remove`) starts crossing `resources` */
  add (f: number, resources: readonly number[]): void {
    if (resources.length > WIDTH) throw new RangeError(`a flow crosses at most ${WIDTH} resources`)
    if (!resources.some(r => this.caps[r] !== Infinity)) throw new RangeError(`flow ${f} crosses no resource of finite capacity`)
    this.grow(f + 1)
    for (let k = 0; k < WIDTH; k++) {
      const r = k < resources.length ? resources[k] : -1
      this.res[f * WIDTH + k] = r
      if (r < 0) continue
      this.where[f * WIDTH + k] = this.adj[r].length
      this.adj[r].push(f)
      this.touch(r)
    }
    this.live[f] = 1
    this.rates[f] = 0
    this.limits[f] = Infinity
  }

  /** caps one flow's rate (it is filled again at the next `solve`) */
  setLimit (f: number, limit: number): void {
    if (this.limits[f] === limit) return
    this.limits[f] = limit
    for (let k = 0; k < WIDTH; k++) { const r = this.res[f * WIDTH + k]; if (r >= 0) { this.touch(r); return } }
  }

  /** flows crossing resource `r` now */
  flowsOn (r: number): readonly number[] { return this.adj[r] }
  capacity (r: number): number { return this.caps[r] }
  /** resource k (0…) of flow f, -1 when none */
  resourceOf (f: number, k: number): number { return k < WIDTH ? this.res[f * WIDTH + k] : -1 }
  /** marks every resource touched: the next `solve` fills everything again */
  touchAll (): void { for (let r = 0; r < this.caps.length; r++) this.touch(r) }

  remove (f: number): void {
    if (this.live[f] !== 1) return
    for (let k = 0; k < WIDTH; k++) {
      const r = this.res[f * WIDTH + k]
      if (r < 0) continue
      const list = this.adj[r]
      const at = this.where[f * WIDTH + k]
      const moved = list[list.length - 1]
      list[at] = moved
      list.pop()
      if (moved !== f) {
        for (let j = 0; j < WIDTH; j++) if (this.res[moved * WIDTH + j] === r) this.where[moved * WIDTH + j] = at
      }
      this.touch(r)
      this.res[f * WIDTH + k] = -1
    }
    this.live[f] = 0
    this.rates[f] = 0
  }

  /** whether anything changed since the last `solve` */
  get pending (): boolean { return this.dirty.length > 0 }

  /**
   * Recomputes the rates of every flow connected to a touched resource;
   * `component` lists them afterwards (their new rates are in `rates`)
   */
  solve (): void {
    const R = this.caps.length
    if (this.resSeen.length < R) {
      const n = Math.max(R, this.resSeen.length * 2)
      const seen = new Int32Array(n); seen.set(this.resSeen); this.resSeen = seen
      this.left = new Float64Array(n)
      this.cnt = new Int32Array(n)
    }
    const e = ++this.epoch
    const comp = this.component
    comp.length = 0
    const queue: number[] = []
    const visit = (r: number): void => {
      if (this.resSeen[r] === e) return
      this.resSeen[r] = e
      queue.push(r)
    }
    for (const r of this.dirty) {
      if (this.caps[r] !== Infinity) { visit(r); continue }
      // an unconstrained resource couples nothing: start from its flows' other resources
      for (const f of this.adj[r]) for (let k = 0; k < WIDTH; k++) { const r2 = this.res[f * WIDTH + k]; if (r2 >= 0 && this.caps[r2] !== Infinity) visit(r2) }
    }
    this.dirty.length = 0
    for (let q = 0; q < queue.length; q++) {
      for (const f of this.adj[queue[q]]) {
        if (this.flowSeen[f] === e) continue
        this.flowSeen[f] = e
        comp.push(f)
        for (let k = 0; k < WIDTH; k++) { const r2 = this.res[f * WIDTH + k]; if (r2 >= 0 && this.caps[r2] !== Infinity) visit(r2) }
      }
    }
    // progressive filling over the component; flowSeen = -e marks a frozen
    // flow; heap ids: 2r a resource's fair share, 2f+1 a flow's own limit
    const { left, cnt, heap, res, caps, rates, limits } = this
    for (const r of queue) {
      cnt[r] = this.adj[r].length
      left[r] = caps[r]
      if (cnt[r] > 0) heap.set(2 * r, left[r] / cnt[r])
    }
    for (const f of comp) if (limits[f] !== Infinity) heap.set(2 * f + 1, limits[f])
    const freeze = (f: number, share: number, at: number): void => {
      this.flowSeen[f] = -e
      rates[f] = share
      this.frozenAt[f] = at
      for (let j = 0; j < WIDTH; j++) {
        const r2 = res[f * WIDTH + j]
        if (r2 < 0 || r2 === at || caps[r2] === Infinity) continue
        left[r2] -= share
        cnt[r2]--
        if (cnt[r2] > 0) heap.set(2 * r2, Math.max(0, left[r2]) / cnt[r2]); else heap.delete(2 * r2)
      }
    }
    while (heap.size > 0) {
      const id = heap.pop()
      if ((id & 1) === 1) {
        const f = id >> 1
        if (this.flowSeen[f] !== -e) freeze(f, limits[f], -1)
        continue
      }
      const r = id >> 1
      if (cnt[r] <= 0) continue
      const share = Math.max(0, left[r] / cnt[r])
      for (const f of this.adj[r]) {
        if (this.flowSeen[f] === -e) continue
        heap.delete(2 * f + 1)
        freeze(f, share, r)
      }
      cnt[r] = 0
    }
  }

  private touch (r: number): void {
    if (this.dirty.length === 0 || this.dirty[this.dirty.length - 1] !== r) this.dirty.push(r)
  }

  private grow (flows: number): void {
    if (this.live.length >= flows) return
    const n = Math.max(flows, this.live.length * 2)
    const res = new Int32Array(n * WIDTH).fill(-1); res.set(this.res); this.res = res
    const where = new Int32Array(n * WIDTH); where.set(this.where); this.where = where
    const live = new Uint8Array(n); live.set(this.live); this.live = live
    const seen = new Int32Array(n); seen.set(this.flowSeen); this.flowSeen = seen
  }
}

/**
 * Max-min fair rates of `flows` (each a list of resource indexes) over
 * resources of the given capacities. Every flow must cross at least one
 * resource of finite capacity.
 */
export function maxMinRates (capacities: ArrayLike<number>, flows: number[][]): number[] {
  const s = new MaxMinSolver()
  for (let r = 0; r < capacities.length; r++) s.addResource(capacities[r])
  flows.forEach((f, i) => { s.add(i, f) })
  s.solve()
  return flows.map((_, i) => s.rates[i])
}

export type FlowDone = (flow: number, now: number) => void

export interface FlowNetwork {
  /**
   * a resource of `capacity` bytes/s (Infinity = unconstrained); returns its
   * index. A `link` has a FIFO queue (window model).
   */
  addResource: (capacity: number, link?: boolean) => number
  /** queueing delay a message crossing this link waits now, seconds (0 without the window model) */
  delay: (resource: number) => number
  setCapacity: (resource: number, capacity: number) => void
  /**
   * starts a flow over `resources` carrying `bytes`; `done` fires when the
   * last byte is sent. `back`: the links its acknowledgements and window
   * updates cross (window model: their queues lengthen its round trip)
   */
  start: (resources: number[], bytes: number, done: FlowDone, back?: number[]) => number
  /** from inside `done`: the same flow goes on with `bytes` more (keeps its rate) */
  next: (flow: number, bytes: number, done: FlowDone) => void
  /** ends a flow early (a host went away); its `done` never fires */
  abort: (flow: number) => void
  rate: (flow: number) => number
  /** seconds until the flow's current transfer ends at its present rate (Infinity while it has none) */
  eta: (flow: number) => number
  readonly active: number
  readonly recomputations: number
  /** flows whose rate was recomputed, summed over all recomputations */
  readonly refilled: number
}

export interface FlowNetworkInit {
  /** rates are recomputed at most this often, seconds (0 = at every change). @default 0 */
  quantum?: number
  /**
   * Bytes a flow keeps unacknowledged (a stream's flow-control window);
   * Infinity = no window model. With a window, a saturated link queues the
   * windows of the flows it holds back, FIFO: that queue delays every flow
   * and message crossing the link, and a flow whose round trip crosses
   * another link's queue is held to window / round trip. @default Infinity
   */
  window?: number
  /** round trip without queueing, seconds (window model only). @default 0.001 */
  baseRtt?: number
}

export function createFlowNetwork (loop: EventLoop, init: FlowNetworkInit = {}): FlowNetwork {
  const quantum = init.quantum ?? 0
  const window = init.window ?? Infinity
  const baseRtt = init.baseRtt ?? 0.001
  const solver = new MaxMinSolver()
  /** queueing delay of each link resource (window model), seconds */
  const delays: number[] = []
  const queued: boolean[] = []
  /** the resource that held each flow back when it last was (its own limit does not count) */
  const bottleneck: number[] = []
  /** links of each flow's return path */
  const backs: Array<readonly number[]> = []
  let slots = 0
  const remaining: number[] = []
  /** rate the flow drains at since `last` (the solver's may be newer) */
  const rates: number[] = []
  const last: number[] = []
  const dones: Array<FlowDone | undefined> = []
  const free: number[] = []
  let active = 0
  const finish = new IndexedHeap()
  let dirtyAt = Infinity
  let recomputations = 0
  let refilled = 0
  let continued = -1

  const markDirty = (now: number): void => { if (dirtyAt === Infinity) dirtyAt = now + quantum }

  const schedule = (f: number): void => {
    if (rates[f] > 0) finish.set(f, last[f] + remaining[f] / rates[f]); else finish.delete(f)
  }

  /**
   * Window model: each saturated link queues the windows of the flows it
   * holds back; a flow is held to its window over the queues of the other
   * links it crosses (its own bottleneck's queue is its own backlog)
   */
  const applyWindows = (): void => {
    for (let r = 0; r < solver.resources; r++) {
      if (!queued[r]) continue
      const flows = solver.flowsOn(r)
      let sum = 0
      let held = 0
      for (const f of flows) { sum += solver.rates[f]; if (bottleneck[f] === r) held++ }
      const target = sum >= 0.98 * solver.capacity(r) ? held * window / solver.capacity(r) : 0
      delays[r] = ((delays[r] ?? 0) + target) / 2
    }
    for (const f of liveFlows()) {
      let rtt = baseRtt
      for (let k = 0; k < 3; k++) { const r = solver.resourceOf(f, k); if (r >= 0 && r !== bottleneck[f] && queued[r]) rtt += delays[r] }
      for (const r of backs[f] ?? []) if (queued[r]) rtt += delays[r]
      solver.setLimit(f, window / rtt)
    }
    solver.touchAll()
  }

  const liveFlows = (): number[] => { const out: number[] = []; for (let f = 0; f < slots; f++) if (dones[f] !== undefined) out.push(f); return out }

  const recompute = (now: number): void => {
    dirtyAt = Infinity
    recomputations++
    if (window !== Infinity) applyWindows()
    solver.solve()
    if (window !== Infinity) {
      for (const f of solver.component) if (solver.frozenAt[f] >= 0) bottleneck[f] = solver.frozenAt[f]
      // the queues evolve with the rates: look again one quantum later
      if (active > 0) dirtyAt = now + Math.max(quantum, 0.001)
    }
    refilled += solver.component.length
    for (const f of solver.component) {
      const r = solver.rates[f]
      if (r === rates[f]) continue
      remaining[f] -= rates[f] * (now - last[f])
      last[f] = now
      rates[f] = r
      schedule(f)
    }
  }

  const remove = (f: number): void => {
    if (dones[f] === undefined) return
    solver.remove(f)
    active--
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
    addResource (capacity, link = false) { const r = solver.addResource(capacity); queued[r] = link; delays[r] = 0; return r },
    delay: (r) => delays[r] ?? 0,
    setCapacity (r, capacity) { solver.setCapacity(r, capacity); markDirty(loop.now) },
    start (resources, bytes, done, back = []) {
      const f = free.pop() ?? slots++
      solver.add(f, resources)
      bottleneck[f] = -1
      backs[f] = back
      remaining[f] = bytes
      rates[f] = 0
      last[f] = loop.now
      dones[f] = done
      active++
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
      if (dones[f] === undefined) return
      remove(f)
      markDirty(loop.now)
    },
    rate: (f) => rates[f] ?? 0,
    eta: (f) => rates[f] > 0 ? Math.max(0, last[f] + remaining[f] / rates[f] - loop.now) : Infinity,
    get active () { return active },
    get recomputations () { return recomputations },
    get refilled () { return refilled }
  }
}

/**
 * Announcement delivery over the gossip mesh (a model of gossipsub, not the
 * library itself): the seeder publishes to the peers it is connected to (at
 * most `seederFanout`, its bounded degree); every peer forwards a new message
 * to its mesh peers (degree D = 6, gossipsub's default) after a processing
 * delay; a forwarded copy is lost with probability `loss` (full outbound
 * queues on busy hosts); at every heartbeat (1 s) each peer tells `D` other
 * neighbours what it has (IHAVE) and they pull what they miss (IWANT). A peer
 * that hears nothing within `pullAfter` asks a neighbour for the signed
 * catalogue directly.
 */
import { Heap } from './heap.js'
import { seededRandom } from './region.js'

export interface GossipInit {
  hosts: number
  /** one-way latency, seconds */
  latency: number
  seed?: number
  /** @default 6 */
  degree?: number
  /** peers the seeder is connected to. @default 32 */
  seederFanout?: number
  /** mean processing delay per hop, seconds. @default 0.002 */
  processing?: number
  /** share of hosts that are busy (processing × 50). @default 0.2 */
  busyFraction?: number
  /** @default 0.05 */
  loss?: number
  /** @default 1 */
  heartbeat?: number
  /** @default 5 */
  pullAfter?: number
}

export interface GossipResult { p50: number, p99: number, last: number, byGossip: number, byPull: number, byIhave: number }

export function gossipLatency (g: GossipInit): GossipResult {
  const random = seededRandom((g.seed ?? 1) + 7)
  const n = g.hosts
  const D = g.degree ?? 6
  const loss = g.loss ?? 0.05
  const heartbeat = g.heartbeat ?? 1
  const pullAfter = g.pullAfter ?? 5
  const busy = new Uint8Array(n).map(() => random() < (g.busyFraction ?? 0.2) ? 1 : 0)
  const proc = (i: number): number => -Math.log(1 - random()) * (g.processing ?? 0.002) * (busy[i] === 1 ? 50 : 1)
  // random overlay of degree ≈ 2·D (each peer dials D others; the mesh is D of its links)
  const adj: Array<Set<number>> = Array.from({ length: n }, () => new Set())
  for (let i = 0; i < n; i++) {
    while (adj[i].size < D && n > D) {
      const j = Math.floor(random() * n)
      if (j !== i) { adj[i].add(j); adj[j].add(i) }
    }
    if (n <= D) for (let j = 0; j < n; j++) if (j !== i) adj[i].add(j)
  }
  const mesh = adj.map(s => [...s].sort(() => random() - 0.5).slice(0, D))
  const got = new Float64Array(n).fill(Infinity)
  const how = new Uint8Array(n)
  const q = new Heap<[number, number]>()
  const fanout = Math.min(n, g.seederFanout ?? 32)
  for (let k = 0; k < fanout; k++) q.push(g.latency, [Math.floor(random() * n), 1])
  let heartbeats = 0
  for (let t = heartbeat * random(); t < 120; t += heartbeat) q.push(t, [-1, 0])
  for (let i = 0; i < n; i++) q.push(pullAfter, [i, 3])
  let left = n
  while (q.size > 0 && left > 0) {
    const t = q.topKey()
    const [i, kind] = q.pop()
    if (i === -1) {
      heartbeats++
      // IHAVE: each holder tells D random neighbours; those lacking it pull (IWANT + message = 1.5 RTT)
      for (let a = 0; a < n; a++) {
        if (got[a] > t) continue
        const ns = [...adj[a]]
        for (let k = 0; k < D && ns.length > 0; k++) {
          const b = ns[Math.floor(random() * ns.length)]
          if (got[b] === Infinity) q.push(t + 3 * g.latency + proc(b), [b, 2])
        }
      }
      continue
    }
    if (kind === 3) { if (got[i] === Infinity) q.push(t + 2 * g.latency + proc(i), [i, 4]); continue }
    if (got[i] !== Infinity) continue
    got[i] = t
    how[i] = kind
    left--
    const fwd = t + proc(i)
    for (const j of mesh[i]) if (random() >= loss) q.push(fwd + g.latency, [j, 1])
  }
  const s = [...got].sort((a, b) => a - b)
  void heartbeats
  return {
    p50: s[Math.floor((n - 1) / 2)],
    p99: s[Math.floor((n - 1) * 0.99)],
    last: s[n - 1],
    byGossip: how.filter(h => h === 1).length,
    byIhave: how.filter(h => h === 2).length,
    byPull: how.filter(h => h === 4).length
  }
}

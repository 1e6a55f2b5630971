/**
 * npm run bench:announce -- --hosts 1000 [--loss 0.05] [--reach 1] [--no-gossip] [--latency 0.5ms] [--seed 1] [--json]
 *
 * How long a new image's announcement takes to reach every peer of a region,
 * when peers keep no connection to the seeder (SPEC.md §1). Event-driven:
 * the overlay and the seeder's gossip links are sized by the project's
 * defaults (`gossip_neighbours`, `gossip_links`, the gossipsub mesh degree of
 * net/node.ts); every peer decides what is news with the REAL
 * `createAnnouncementOrder`, pulls on the REAL schedule (`roundDelay`,
 * `pickOne`, `catalogue_pull_interval`), and the seeder follows a `cache`
 * with its catalogue after DEFAULT_CHANGE_DEBOUNCE as announcer.ts does.
 * Gossipsub itself is modelled: forwarding to D mesh peers (a copy lost with
 * probability `loss`: full queues on busy hosts), IHAVE/IWANT repair at each
 * 1 s heartbeat for 3 heartbeats. `reach` is the share of the seeder's links
 * its publish reaches (the "publishes reached 0–11 of 40").
 */
import { parseArgs } from 'node:util'
import { parseDuration } from '../../src/config/units.js'
import { createAnnouncementOrder } from '../../src/distribute/catalogue-order.js'
import type { AnnouncementOrder } from '../../src/distribute/catalogue-order.js'
import { DEFAULT_GOSSIP_NEIGHBOURS, DEFAULT_PULL_INTERVAL, pickOne, roundDelay } from '../../src/distribute/relay-policy.js'
import { DEFAULT_CHANGE_DEBOUNCE, DEFAULT_GOSSIP_LINKS } from '../../src/distribute/announcer.js'
import { GOSSIP_MESH } from '../../src/net/node.js'
import { Heap } from './heap.js'
import { seededRandom } from './region.js'

export interface AnnounceInit {
  hosts: number
  /** one-way latency, s. @default 0.0005 */
  latency?: number
  seed?: number
  /** share of forwarded gossip copies lost. @default 0.05 */
  loss?: number
  /** share of the seeder's links its publishes reach. @default 1 */
  reach?: number
  /** false: gossip delivers nothing (pulls only). @default true */
  gossip?: boolean
  /** share of busy hosts (50× processing delay). @default 0.2 */
  busyFraction?: number
  /** mean processing delay per message, s. @default 0.002 */
  processing?: number
}

export interface AnnounceResult {
  hosts: number
  p50: number
  p99: number
  last: number
  /** first learned through: the seeder's publish or gossip forwarding, IHAVE repair, a neighbour's catalogue pull */
  byGossip: number
  byIhave: number
  byPull: number
  unreached: number
}

const SEEDER = 'seeder'
const HORIZON = 300
/** event kinds */
const GOSSIP = 0; const IHAVE = 1; const PULL_ROUND = 2; const PULL_REPLY = 3; const HEARTBEAT = 4
/** messages: the cache announcement and the catalogue that follows it */
const CACHE = 0; const CATALOGUE = 1

export function announceLatency (init: AnnounceInit): AnnounceResult {
  const n = init.hosts
  const random = seededRandom((init.seed ?? 1) + 11)
  const latency = init.latency ?? 0.0005
  const loss = init.gossip === false ? 1 : init.loss ?? 0.05
  const pullInterval = DEFAULT_PULL_INTERVAL / 1000
  const busy = Array.from({ length: n }, () => random() < (init.busyFraction ?? 0.2))
  const proc = (i: number): number => -Math.log(1 - random()) * (init.processing ?? 0.002) * (busy[i] ? 50 : 1)
  // overlay: each peer dials gossip_neighbours others (links.ts); the gossipsub mesh is D of its connections
  const adj: number[][] = Array.from({ length: n }, () => [])
  const linked = new Set<string>()
  for (let i = 0; i < n; i++) {
    let tries = 0
    while (adj[i].length < Math.min(DEFAULT_GOSSIP_NEIGHBOURS, n - 1) && tries++ < 100) {
      const j = Math.floor(random() * n)
      if (j === i || linked.has(`${Math.min(i, j)}:${Math.max(i, j)}`)) continue
      linked.add(`${Math.min(i, j)}:${Math.max(i, j)}`)
      adj[i].push(j); adj[j].push(i)
    }
  }
  linked.clear()
  const mesh = adj.map(ns => ns.slice().sort(() => random() - 0.5).slice(0, GOSSIP_MESH.D))
  // steady state: every peer applied the catalogue of seq 1; the new image comes with seq 2
  const orders: AnnouncementOrder[] = Array.from({ length: n }, () => { const o = createAnnouncementOrder(); o.check(SEEDER, { type: 'catalogue', seq: 1 }); return o })
  const has = [new Float64Array(n).fill(Infinity), new Float64Array(n).fill(Infinity)]
  const learned = new Float64Array(n).fill(Infinity)
  const how = new Uint8Array(n)
  const q = new Heap<[number, number, number]>()
  const links = Array.from({ length: Math.min(n, DEFAULT_GOSSIP_LINKS) }, () => Math.floor(random() * n))
  const publish = (t: number, msg: number): void => {
    for (const i of links) if (random() < (init.reach ?? 1)) q.push(t + latency + proc(i), [GOSSIP, i, msg])
  }
  publish(0, CACHE)
  publish(DEFAULT_CHANGE_DEBOUNCE / 1000, CATALOGUE)
  for (let i = 0; i < n; i++) q.push(random() * pullInterval, [PULL_ROUND, i, 0])
  for (let t = random(); t < HORIZON; t += 1) q.push(t, [HEARTBEAT, -1, 0])
  let left = n

  const receive = (t: number, i: number, msg: number, kind: number): void => {
    if (has[msg][i] !== Infinity) return
    has[msg][i] = t
    const verdict = msg === CACHE
      ? orders[i].check(SEEDER, { type: 'cache', seq: 2, imageId: 'new' })
      : orders[i].check(SEEDER, { type: 'catalogue', seq: 2 })
    if (verdict === 'apply' && learned[i] === Infinity) {
      learned[i] = t
      how[i] = kind
      left--
    }
    if (kind === PULL_REPLY) return // a pulled catalogue is not re-published
    const fwd = t + proc(i)
    for (const j of mesh[i]) if (random() >= loss) q.push(fwd + latency, [GOSSIP, j, msg])
  }

  while (q.size > 0 && left > 0) {
    const t = q.topKey()
    if (t > HORIZON) break
    const [kind, i, msg] = q.pop()
    if (kind === HEARTBEAT) {
      // IHAVE for messages received in the last 3 heartbeats, to D random neighbours; IWANT + message = 1.5 RTT
      if (loss >= 1) continue
      for (let a = 0; a < n; a++) {
        for (const m of [CACHE, CATALOGUE]) {
          if (!(has[m][a] <= t && t - has[m][a] < 3)) continue
          for (let k = 0; k < GOSSIP_MESH.D; k++) {
            const b = pickOne(adj[a], random)
            if (b != null && has[m][b] === Infinity) q.push(t + 3 * latency + proc(b), [IHAVE, b, m])
          }
        }
      }
    } else if (kind === PULL_ROUND) {
      // the real schedule: one random neighbour per round, the reply only when its catalogue is newer
      const j = pickOne(adj[i], random)
      if (j != null && has[CATALOGUE][j] <= t + latency && learned[i] === Infinity) q.push(t + 2 * latency + proc(j), [PULL_REPLY, i, CATALOGUE])
      q.push(t + roundDelay(false, pullInterval, random), [PULL_ROUND, i, 0])
    } else {
      receive(t, i, msg, kind)
    }
  }
  const s = [...learned].sort((a, b) => a - b)
  const at = (p: number): number => s[Math.min(n - 1, Math.floor((n - 1) * p))]
  return {
    hosts: n,
    p50: at(0.5),
    p99: at(0.99),
    last: s[n - 1],
    byGossip: how.filter((h, i) => learned[i] !== Infinity && h === GOSSIP).length,
    byIhave: how.filter((h, i) => learned[i] !== Infinity && h === IHAVE).length,
    byPull: how.filter((h, i) => learned[i] !== Infinity && h === PULL_REPLY).length,
    unreached: left
  }
}

function main (): void {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '1000' },
      loss: { type: 'string', default: '0.05' },
      reach: { type: 'string', default: '1' },
      latency: { type: 'string', default: '0.5ms' },
      seed: { type: 'string', default: '1' },
      'no-gossip': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }
    }
  })
  const started = Date.now()
  const r = announceLatency({
    hosts: Number(values.hosts),
    loss: Number(values.loss),
    reach: Number(values.reach),
    latency: parseDuration(values.latency) / 1000,
    seed: Number(values.seed),
    gossip: !values['no-gossip']
  })
  if (values.json) { process.stdout.write(JSON.stringify(r) + '\n'); return }
  const ms = (x: number): string => x === Infinity ? 'never' : `${(x * 1000).toFixed(0)} ms`
  process.stdout.write(`${r.hosts} hosts: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, last ${ms(r.last)}; first learned by gossip ${r.byGossip}, IHAVE ${r.byIhave}, neighbour pull ${r.byPull}, unreached ${r.unreached} [${((Date.now() - started) / 1000).toFixed(1)} s wall]\n`)
}

if (process.argv[1]?.endsWith('announce.js') === true) main()

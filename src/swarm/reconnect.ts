/**
 * The nodes known to work on each image (seeders given to `connect`, nodes
 * from peer exchange, nodes that dialled us) and the maintenance loop that
 * reconnects to them. Sessions end (restarts, resets, idle timeouts): while a
 * torrent is incomplete, reconnect to the nodes it knows, each at most every
 * reconnect interval (policy.ts); once complete, stay in touch with its
 * seeders, so that a restarted seeder learns again who holds the image and
 * points newcomers at them.
 */
import { chooseDials, reconnectInterval, samplePeers } from './policy.js'
import type { Torrent } from './torrent.js'

/** A node to open a session with: its peer id and the addresses to dial (none: by peer id) */
export interface Source { peerId: string, addrs: string[] }

/** Nodes remembered per image for reconnection and peer exchange. @default 1024 */
export const MAX_KNOWN = 1024
/** How often incomplete torrents look for nodes to reconnect to. @default 2000 */
export const DEFAULT_MAINTAIN_INTERVAL = 2000

interface KnownNode extends Source {
  /** when we last dialled it (or learnt of it) */
  lastTry: number
  /** a node given to `connect` (a seeder), kept in touch with even after the torrent completes */
  anchor: boolean
}

export interface NeighbourBook {
  /** remembers a node working on `t` (at most MAX_KNOWN per image: the oldest non-anchor goes) */
  remember: (t: Torrent, src: Source, anchor?: boolean) => void
  /** peer ids known for an image */
  knownIds: (manifestId: string) => Iterable<string>
  /** dials in progress for `t`, counted against the neighbour limit */
  dialling: (t: Torrent) => Set<string>
  /** a node `t` has a session with or is dialling */
  busy: (t: Torrent) => (id: string) => boolean
  /** forgets an image */
  forget: (manifestId: string) => void
  /** nodes due for a reconnect, marked as tried now */
  due: (t: Torrent, maxNeighbours: number) => Source[]
}

export function createNeighbourBook (localId: string): NeighbourBook {
  const known = new Map<string, Map<string, KnownNode>>()
  const dialling = new Map<string, Set<string>>()
  const diallingFor = (t: Torrent): Set<string> => {
    let d = dialling.get(t.manifestId)
    if (d == null) { d = new Set(); dialling.set(t.manifestId, d) }
    return d
  }
  const busy = (t: Torrent) => (id: string): boolean => t.has(id) || diallingFor(t).has(id)
  return {
    remember (t, src, anchor = false) {
      let m = known.get(t.manifestId)
      if (m == null) { m = new Map(); known.set(t.manifestId, m) }
      const had = m.get(src.peerId)
      if (had != null) { had.anchor ||= anchor; return }
      if (src.peerId === localId) return
      if (m.size >= MAX_KNOWN) {
        // forget the oldest node that is not a seeder given to `connect`
        for (const [id, e] of m) if (!e.anchor) { m.delete(id); break }
      }
      m.set(src.peerId, { ...src, lastTry: Date.now(), anchor })
    },
    knownIds: (manifestId) => known.get(manifestId)?.keys() ?? [],
    dialling: diallingFor,
    busy,
    forget (manifestId) {
      known.delete(manifestId)
      dialling.delete(manifestId)
    },
    due (t, maxNeighbours) {
      const m = known.get(t.manifestId)
      if (m == null) return []
      const complete = t.store.have.full()
      const wait = reconnectInterval(t.neighbours.length, complete)
      const due = [...m.values()].filter(src => (!complete || src.anchor) && Date.now() - src.lastTry >= wait).map(src => src.peerId)
      const dials = complete
        ? due.filter(id => !busy(t)(id))
        : chooseDials(samplePeers(due, due.length), { localId, neighbours: t.neighbours.length, dialling: diallingFor(t).size, maxNeighbours, busy: busy(t) })
      return dials.map(id => {
        const src = m.get(id) as KnownNode
        src.lastTry = Date.now()
        return src
      })
    }
  }
}

export interface MaintenanceInit {
  book: NeighbourBook
  torrents: () => Iterable<Torrent>
  maxNeighbours: number
  /** opens a session with a node (counted in `book.dialling` while it lasts) */
  dial: (t: Torrent, src: Source) => void
  /** @default DEFAULT_MAINTAIN_INTERVAL */
  interval?: number
}

/** Starts the reconnect loop (unref'd); returns its stop function */
export function startMaintenance (init: MaintenanceInit): () => void {
  const timer = setInterval(() => {
    for (const t of init.torrents()) {
      if (t.superSeeder != null) continue
      for (const src of init.book.due(t, init.maxNeighbours)) init.dial(t, src)
    }
  }, init.interval ?? DEFAULT_MAINTAIN_INTERVAL)
  timer.unref()
  return () => { clearInterval(timer) }
}

/**
 * Closes connections that carry nothing: no precache stream (blocks,
 * catalogue pull, report) for `idleMs`, and not kept for another reason (a
 * seeder's gossip links). A seeder uses it so that a peer's report, a
 * catalogue fallback or a turned-away block session does not leave a lasting
 * connection behind: with 10,000 hosts those would pile up to the connection
 * limit. Gossip and identify streams do not count as use.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { PrecacheNode } from './node.js'

/** A connection without a precache stream this long is closed. @default 10000 */
export const DEFAULT_IDLE_CLOSE = 10_000

export interface IdleTrimmerInit {
  /** @default DEFAULT_IDLE_CLOSE */
  idleMs?: number
  /** connections to this peer are never closed here */
  keep: (peerId: string) => boolean
  /** how often connections are looked at. @default idleMs / 4 */
  every?: number
}

export interface IdleTrimmer {
  /** connections closed so far */
  closed: () => number
  stop: () => void
}

const busy = (c: Connection): boolean => c.streams.some(s => s.protocol?.startsWith('/precache/') === true)

/**
 * Closes `c` at once unless another stream than `done` is a precache stream or
 * still negotiating its protocol (a seeder, after answering a report or a
 * pull from a peer that is not one of its gossip links: with 10,000 hosts
 * reporting every 30 s, waiting `idle_close` would hold thousands).
 */
export function closeIfIdle (c: Connection, done?: Stream): boolean {
  if (c.streams.some(s => s !== done && (s.protocol == null || s.protocol === '' || s.protocol.startsWith('/precache/')))) return false
  c.close().catch(() => { c.abort(new Error('closed after its last exchange')) })
  return true
}

export function trimIdleConnections (node: PrecacheNode, init: IdleTrimmerInit): IdleTrimmer {
  const idleMs = init.idleMs ?? DEFAULT_IDLE_CLOSE
  const idleSince = new WeakMap<Connection, number>()
  let closed = 0
  const timer = setInterval(() => {
    const now = Date.now()
    for (const c of node.getConnections()) {
      if (busy(c) || init.keep(c.remotePeer.toString())) { idleSince.delete(c); continue }
      const since = idleSince.get(c)
      if (since == null) { idleSince.set(c, now); continue }
      if (now - since < idleMs) continue
      closed++
      c.close().catch(() => { c.abort(new Error('idle')) })
    }
  }, Math.max(250, init.every ?? Math.floor(idleMs / 4)))
  timer.unref()
  return { closed: () => closed, stop: () => { clearInterval(timer) } }
}

/** Counts a node's connections: now, and the most at once since start */
export function countConnections (node: PrecacheNode): { now: () => number, peak: () => number, stop: () => void } {
  let peak = node.getConnections().length
  const onOpen = (): void => { peak = Math.max(peak, node.getConnections().length) }
  node.addEventListener('connection:open', onOpen)
  return { now: () => node.getConnections().length, peak: () => Math.max(peak, node.getConnections().length), stop: () => { node.removeEventListener('connection:open', onOpen) } }
}

/**
 * Strikes and bans per peer id, kept for the life of the process (so across
 * reconnections): every protocol that catches a neighbour misbehaving (a
 * corrupt block, garbage on the wire, too many streams) calls `strike`; the
 * `maxStrikes`-th strike bans the peer for `banMs`, doubled with every
 * repeat up to `maxBanMs`. The libp2p connection gater consults `isBanned`,
 * so a banned peer can neither dial us nor be dialled, and its open
 * connections are closed by the `onBan` listener the role installs.
 *
 * One module for every data path: the block exchange uses it, and so can a
 * bulk channel beside libp2p (call `strike(peerId, reason)` on a bad block,
 * check `isBanned(peerId)` before accepting a connection).
 */

/** Strikes that make a ban. @default 3 */
export const DEFAULT_MAX_STRIKES = 3
/** First ban's length. @default 60000 */
export const DEFAULT_BAN_MS = 60_000
/** Longest ban. @default 3600000 */
export const DEFAULT_MAX_BAN_MS = 3_600_000

export interface BanListInit {
  /** @default DEFAULT_MAX_STRIKES */
  maxStrikes?: number
  /** @default DEFAULT_BAN_MS */
  banMs?: number
  /** @default DEFAULT_MAX_BAN_MS */
  maxBanMs?: number
  /** peers never banned (e.g. a peer's trusted seeders): their strikes are only counted */
  exempt?: (peerId: string) => boolean
  now?: () => number
}

export interface BanRecord {
  peerId: string
  /** strikes since the last ban */
  strikes: number
  /** bans so far */
  bans: number
  /** epoch ms until which the peer is banned (0 = not banned) */
  bannedUntil: number
  /** why the last strike was given */
  lastReason: string
}

export interface BanList {
  /** records a strike; returns true when this strike banned the peer */
  strike: (peerId: string, reason: string) => boolean
  isBanned: (peerId: string) => boolean
  /** called when a peer is banned (close its connections, log) */
  onBan: (listener: (record: BanRecord) => void) => void
  /** every peer with a strike or a ban, for the status file */
  records: () => BanRecord[]
}

export function createBanList (init: BanListInit = {}): BanList {
  const maxStrikes = init.maxStrikes ?? DEFAULT_MAX_STRIKES
  const banMs = init.banMs ?? DEFAULT_BAN_MS
  const maxBanMs = init.maxBanMs ?? DEFAULT_MAX_BAN_MS
  const now = init.now ?? Date.now
  const peers = new Map<string, BanRecord>()
  const listeners: Array<(r: BanRecord) => void> = []

  return {
    strike (peerId, reason) {
      let r = peers.get(peerId)
      if (r == null) { r = { peerId, strikes: 0, bans: 0, bannedUntil: 0, lastReason: reason }; peers.set(peerId, r) }
      r.lastReason = reason
      if (r.bannedUntil > now()) return false // already banned: late reports from closing sessions
      if (++r.strikes < maxStrikes || init.exempt?.(peerId) === true) return false
      r.strikes = 0
      r.bans++
      r.bannedUntil = now() + Math.min(maxBanMs, banMs * 2 ** (r.bans - 1))
      for (const l of listeners) l(r)
      return true
    },
    isBanned: (peerId) => (peers.get(peerId)?.bannedUntil ?? 0) > now(),
    onBan: (l) => { listeners.push(l) },
    records: () => [...peers.values()].map(r => ({ ...r }))
  }
}

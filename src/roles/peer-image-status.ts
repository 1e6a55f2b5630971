/**
 * The status file's and the fleet report's view of one row of the peer's
 * state table (peer-images.ts), with the live counters of its torrent.
 */
import type { Swarm } from '../swarm/engine.js'
import type { ImageReport } from '../distribute/report.js'
import type { PeerImage } from './peer-images.js'
import type { PeerImageStatus } from './status.js'

export function peerImageStatus (row: PeerImage, swarm: Swarm, now = Date.now()): PeerImageStatus {
  const { job, stored } = row
  const manifestId = job?.meta.manifestId ?? stored?.manifestId ?? ''
  const t = swarm.get(manifestId)
  let { fromSeeders, fromPeers } = job?.report ?? { fromSeeders: 0, fromPeers: 0 }
  if (job != null && (row.state === 'downloading' || row.state === 'verified') && t != null) {
    const seeders = new Set(job.meta.seeders.map(s => s.peerId))
    fromSeeders = Object.entries(t.ledger.byPeer()).filter(([p]) => seeders.has(p)).reduce((n, [, e]) => n + e.received, 0)
    fromPeers = t.ledger.totalReceived - fromSeeders
  }
  return {
    imageId: row.imageId,
    state: row.state,
    since: { ...row.since },
    manifestId,
    size: job?.meta.size ?? stored?.size ?? 0,
    blocks: t?.store.have.size ?? 0,
    have: t?.store.have.count() ?? 0,
    receivedBytes: t?.ledger.totalReceived ?? 0,
    receivedBulkBytes: t?.ledger.receivedOverBulk ?? 0,
    sentBytes: t?.ledger.totalSent ?? 0,
    fromSeeders,
    fromPeers,
    reusedBytes: job?.report.reusedBytes ?? 0,
    neighbours: t?.neighbours.length ?? 0,
    seconds: job != null ? row.seconds ?? (now - job.started) / 1000 : undefined,
    cachedAt: row.cachedAt,
    resumedBlocks: job?.report.resumedBlocks,
    error: row.error,
    pinned: stored?.pinned ?? false,
    deleteAt: stored?.deleteAt,
    repairs: row.repairs
  }
}

/** The fleet report's view of one image: the same row as the status file */
export function imageReport (i: PeerImageStatus): ImageReport {
  return {
    imageId: i.imageId,
    state: i.state,
    size: i.size,
    have: Math.min(i.have, i.blocks),
    blocks: i.blocks,
    fromSeeders: i.fromSeeders,
    fromPeers: i.fromPeers,
    reusedBytes: i.reusedBytes,
    seconds: i.seconds ?? 0,
    ...(i.error != null ? { error: i.error } : {})
  }
}

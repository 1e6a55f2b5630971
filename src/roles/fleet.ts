/**
 * The seeder's view of the fleet: the last report of every peer (by its
 * authenticated peer id), and per image how many hosts hold it, are on their
 * way, failed or lack it. A host that has not reported for `peerTimeout` is
 * shown as gone; one silent for `forgetAfter` is dropped.
 */
import type { ImageReport, Report } from '../distribute/report.js'

/** @default 120000 (4 report intervals) */
export const DEFAULT_PEER_TIMEOUT = 120_000
/** @default 24 h */
export const DEFAULT_FORGET_AFTER = 24 * 3600_000
/** Most hosts remembered; the longest silent is dropped first. @default 20000 */
export const DEFAULT_MAX_HOSTS = 20_000
/** Slowest hosts named per image */
export const SLOWEST_SHOWN = 3

/**
 * States that mean "in place" (`placed`; `cached` from peers before the state
 * table, 0.2.0); everything not in place or failed counts as in progress
 */
const DONE = new Set(['placed', 'cached'])
const FAILED = new Set(['failed'])

export interface HostView {
  peerId: string
  host: string
  labels: Record<string, string>
  version: string
  lastSeen: string
  ageSeconds: number
  gone: boolean
  images: ImageReport[]
}

export interface ImageCounts { cached: number, inProgress: number, failed: number, missing: number, gone: number, untargeted: number }

export interface ImageView {
  imageId: string
  name?: string
  size: number
  selector?: string
  hosts: ImageCounts
  /** in-progress hosts with the least done, first */
  slowest: Array<{ host: string, percent: number, state: string }>
  failed: Array<{ host: string, error: string }>
}

/** What `precache status --json` prints (and the admin endpoint's GET /v1/fleet answers) */
export interface FleetView {
  seeder: string
  generatedAt: string
  peerTimeoutSeconds: number
  hosts: HostView[]
  images: ImageView[]
}

export interface CatalogueEntry { imageId: string, name?: string, size: number, selector?: string }

export interface Fleet {
  record: (peerId: string, report: Report) => void
  /** `targets(labels, image)`: whether a host with these labels should hold the image (default: every host) */
  view: (catalogue: CatalogueEntry[], targets?: (labels: Record<string, string>, image: CatalogueEntry) => boolean) => FleetView
  size: () => number
}

export function createFleet (init: { seeder: string, peerTimeout?: number, forgetAfter?: number, maxHosts?: number, now?: () => number }): Fleet {
  const peerTimeout = init.peerTimeout ?? DEFAULT_PEER_TIMEOUT
  const forgetAfter = init.forgetAfter ?? DEFAULT_FORGET_AFTER
  const maxHosts = init.maxHosts ?? DEFAULT_MAX_HOSTS
  const now = init.now ?? Date.now
  const hosts = new Map<string, Report & { lastSeen: number }>()

  const prune = (): void => {
    const t = now()
    for (const [id, h] of hosts) if (t - h.lastSeen > forgetAfter) hosts.delete(id)
    while (hosts.size > maxHosts) {
      let oldest: string | undefined
      let when = Infinity
      for (const [id, h] of hosts) if (h.lastSeen < when) { when = h.lastSeen; oldest = id }
      if (oldest == null) break
      hosts.delete(oldest)
    }
  }

  return {
    record (peerId, report) {
      hosts.delete(peerId) // re-insert: Map order = least recently reported first
      hosts.set(peerId, { ...report, lastSeen: now() })
      if (hosts.size > maxHosts) prune()
    },
    size: () => hosts.size,
    view (catalogue, targets = () => true) {
      prune()
      const t = now()
      const hostViews: HostView[] = [...hosts.entries()].map(([peerId, h]) => ({
        peerId,
        host: h.host,
        labels: h.labels,
        version: h.version,
        lastSeen: new Date(h.lastSeen).toISOString(),
        ageSeconds: Math.round((t - h.lastSeen) / 1000),
        gone: t - h.lastSeen > peerTimeout,
        images: h.images
      })).sort((a, b) => a.host.localeCompare(b.host) || a.peerId.localeCompare(b.peerId))

      const images: ImageView[] = catalogue.map(entry => {
        const hostsCount: ImageCounts = { cached: 0, inProgress: 0, failed: 0, missing: 0, gone: 0, untargeted: 0 }
        const slowest: ImageView['slowest'] = []
        const failed: ImageView['failed'] = []
        for (const h of hostViews) {
          if (!targets(h.labels, entry)) { hostsCount.untargeted++; continue }
          if (h.gone) { hostsCount.gone++; continue }
          const r = h.images.find(i => i.imageId === entry.imageId)
          if (r == null) hostsCount.missing++
          else if (DONE.has(r.state)) hostsCount.cached++
          else if (FAILED.has(r.state)) { hostsCount.failed++; failed.push({ host: h.host, error: r.error ?? 'unknown error' }) } else {
            hostsCount.inProgress++
            slowest.push({ host: h.host, percent: r.blocks > 0 ? Math.floor(100 * r.have / r.blocks) : 0, state: r.state })
          }
        }
        slowest.sort((a, b) => a.percent - b.percent || a.host.localeCompare(b.host))
        const view: ImageView = { imageId: entry.imageId, size: entry.size, hosts: hostsCount, slowest: slowest.slice(0, SLOWEST_SHOWN), failed }
        if (entry.name != null) view.name = entry.name
        if (entry.selector != null) view.selector = entry.selector
        return view
      })
      return { seeder: init.seeder, generatedAt: new Date(t).toISOString(), peerTimeoutSeconds: Math.round(peerTimeout / 1000), hosts: hostViews, images }
    }
  }
}

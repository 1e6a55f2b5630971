/**
 * A peer's fleet reports (SPEC.md §6): every `interval` (±20 %, so a fleet
 * started together does not report in step) and shortly after an image
 * changes state, it sends what it holds to every seeder it knows.
 */
import { hostname } from 'node:os'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import { sendReport } from '../distribute/report.js'
import type { ImageReport } from '../distribute/report.js'
import { RELEASE } from './version.js'
import { errorMessage } from '../errors.js'

/** @default 30000 */
export const DEFAULT_REPORT_INTERVAL = 30_000
/** Least time between two reports caused by state changes. @default 2000 */
export const DEFAULT_CHANGE_DEBOUNCE = 2000

export interface ReporterInit {
  seeders: Array<{ id: string, ma: Multiaddr }>
  interval?: number
  labels: Record<string, string>
  /** this host's name in the fleet view. @default os.hostname() */
  host?: string
  snapshot: () => ImageReport[]
}

export interface Reporter {
  /** something changed: report soon */
  changed: () => void
  stop: () => void
}

export function startReporter (components: { node: PrecacheNode, log: Logger }, init: ReporterInit): Reporter {
  const { node, log } = components
  const interval = init.interval ?? DEFAULT_REPORT_INTERVAL
  const host = init.host ?? hostname()
  const controller = new AbortController()
  const failing = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let soon: NodeJS.Timeout | undefined
  let sending: Promise<void> | undefined

  const sendAll = async (): Promise<void> => {
    const report = { host, labels: init.labels, version: RELEASE, images: init.snapshot() }
    await Promise.all(init.seeders.map(async s => {
      try {
        await sendReport(node, s, report, controller.signal)
        if (failing.delete(s.id)) log(`fleet report to seeder ${s.id} delivered again`)
      } catch (err) {
        if (controller.signal.aborted) return
        if (!failing.has(s.id)) log.warn(`cannot send the fleet report to seeder ${s.id}: ${errorMessage(err)} (retrying every ${interval / 1000}s)`)
        failing.add(s.id)
      }
    }))
  }
  const run = (): void => {
    if (controller.signal.aborted || sending != null) return
    sending = sendAll().finally(() => { sending = undefined })
  }
  const schedule = (): void => {
    timer = setTimeout(() => { run(); schedule() }, interval * (0.8 + 0.4 * Math.random()))
    timer.unref()
  }
  // the first report goes out soon after start, so a restarted host shows up at once
  soon = setTimeout(() => { soon = undefined; run() }, Math.min(DEFAULT_CHANGE_DEBOUNCE, interval))
  schedule()

  return {
    changed () {
      if (soon != null || controller.signal.aborted) return
      soon = setTimeout(() => { soon = undefined; run() }, DEFAULT_CHANGE_DEBOUNCE)
      soon.unref()
    },
    stop () {
      controller.abort()
      if (timer != null) clearTimeout(timer)
      if (soon != null) clearTimeout(soon)
    }
  }
}

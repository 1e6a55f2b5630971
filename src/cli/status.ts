/**
 * `precache status` (on the controller): the fleet as the running seeder sees
 * it, from its admin endpoint. `precache refresh`: make the seeder list now.
 */
import { Command } from 'commander'
import { addSchemaOptions, configFromCommand } from './options.js'
import { adminRequest, asFleetView, asRefreshAnswer } from './admin-client.js'
import { formatRows } from './table.js'
import { formatBytes } from '../config/units.js'
import { InputFileError } from '../errors.js'
import type { FleetView, HostView, ImageView } from '../roles/fleet.js'

/**
 * How long `precache refresh` waits for the seeder's pass (ms)
 *
 * @default 600000
 */
export const REFRESH_TIMEOUT = 600_000

function ago (s: number): string {
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`
}

/** images × hosts: counts, slowest and failed hosts by name */
export function formatFleet (v: FleetView): string {
  const live = v.hosts.filter(h => !h.gone).length
  const head = `${v.hosts.length} host(s) reporting to seeder ${v.seeder}: ${live} live, ${v.hosts.length - live} gone (silent for more than ${v.peerTimeoutSeconds}s)\n\n`
  if (v.images.length === 0) return head + 'no images are announced\n'
  const rows = [['IMAGE', 'SIZE', 'CACHED', 'IN PROGRESS', 'FAILED', 'MISSING', 'GONE', 'SLOWEST', 'FAILED HOSTS']]
  for (const i of v.images) {
    const targeted = i.hosts.cached + i.hosts.inProgress + i.hosts.failed + i.hosts.missing + i.hosts.gone
    rows.push([i.imageId, formatBytes(i.size), `${i.hosts.cached}/${targeted}`, String(i.hosts.inProgress), String(i.hosts.failed),
      String(i.hosts.missing), String(i.hosts.gone),
      i.slowest.map(s => `${s.host} ${s.percent}%`).join(', ') || '-',
      i.failed.slice(0, 5).map(f => f.host).join(', ') + (i.failed.length > 5 ? ` +${i.failed.length - 5}` : '') || '-'])
  }
  const failures = v.images.flatMap(i => i.failed.map(f => `  ${i.imageId} on ${f.host}: ${f.error}`))
  return head + formatRows(rows) + (failures.length > 0 ? '\nfailures:\n' + failures.join('\n') + '\n' : '')
}

/** one host: every image it reported */
export function formatHost (h: HostView): string {
  const labels = Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(', ')
  const head = `host ${h.host} (peer ${h.peerId}, precache ${h.version})\nlast report ${ago(h.ageSeconds)}${h.gone ? ' — GONE' : ''}; labels: ${labels}\n\n`
  if (h.images.length === 0) return head + 'no images\n'
  const rows = [['IMAGE', 'STATE', 'DONE', 'FROM SEEDERS', 'FROM PEERS', 'REUSED', 'SECONDS', 'ERROR']]
  for (const i of h.images) {
    rows.push([i.imageId, i.state, `${i.blocks > 0 ? Math.floor(100 * i.have / i.blocks) : 0}%`, formatBytes(i.fromSeeders), formatBytes(i.fromPeers),
      formatBytes(i.reusedBytes), String(i.seconds), i.error ?? ''])
  }
  return head + formatRows(rows)
}

/** one image: every host's state for it */
export function formatImage (i: ImageView, v: FleetView): string {
  const head = `image ${i.imageId}${i.name != null ? ` (${i.name})` : ''}, ${formatBytes(i.size)}, selector: ${i.selector ?? 'all hosts'}\n` +
    `cached on ${i.hosts.cached}, in progress ${i.hosts.inProgress}, failed ${i.hosts.failed}, missing ${i.hosts.missing}, gone ${i.hosts.gone}, not targeted ${i.hosts.untargeted}\n\n`
  const rows = [['HOST', 'STATE', 'DONE', 'FROM SEEDERS', 'FROM PEERS', 'LAST REPORT', 'ERROR']]
  for (const h of v.hosts) {
    const r = h.images.find(x => x.imageId === i.imageId)
    rows.push([h.host, h.gone ? 'gone' : r?.state ?? 'missing', r != null && r.blocks > 0 ? `${Math.floor(100 * r.have / r.blocks)}%` : '-',
      r != null ? formatBytes(r.fromSeeders) : '-', r != null ? formatBytes(r.fromPeers) : '-', ago(h.ageSeconds), r?.error ?? ''])
  }
  return head + formatRows(rows)
}

export function statusCommand (): Command {
  const cmd = new Command('status')
    .summary('show where every image is on every host (run on the controller)')
    .description('Ask the running seeder (through its local admin endpoint) what every peer reported: per image, how many hosts hold it, ' +
      'are downloading, failed or lack it, with the slowest and failed hosts by name. Peers that stopped reporting are shown as gone.\n' +
      'Examples: precache status;  precache status --host compute-7;  precache status --image ubuntu-24.04 --json')
    .option('--host <name>', 'detail for one host (its host name or peer id)')
    .option('--image <id>', 'detail for one image: every host\'s state')
    .option('--json', 'print JSON (the whole fleet view, or the host / image asked for)')
  addSchemaOptions(cmd, 'status')
  cmd.action(async () => {
    const config = configFromCommand(cmd, 'status')
    const opts = cmd.opts<{ host?: string, image?: string, json?: boolean }>()
    const view: FleetView = await adminRequest(config, 'GET', '/v1/fleet', asFleetView)
    const out = (text: string, json: unknown): void => { process.stdout.write(opts.json === true ? JSON.stringify(json, null, 2) + '\n' : text) }
    if (opts.host != null) {
      const h = view.hosts.find(h => h.host === opts.host || h.peerId === opts.host)
      if (h == null) throw new InputFileError(`no host ${opts.host} has reported to this seeder (known: ${view.hosts.map(h => h.host).join(', ') || 'none'})`)
      out(formatHost(h), h)
    } else if (opts.image != null) {
      const i = view.images.find(i => i.imageId === opts.image)
      if (i == null) throw new InputFileError(`image ${opts.image} is not announced by this seeder (see precache status)`)
      out(formatImage(i, view), { ...i, perHost: view.hosts.map(h => ({ host: h.host, peerId: h.peerId, gone: h.gone, report: h.images.find(x => x.imageId === i.imageId) ?? null })) })
    } else {
      out(formatFleet(view), view)
    }
  })
  return cmd
}

export function refreshCommand (): Command {
  const cmd = new Command('refresh')
    .summary('make the running seeder list images now')
    .description('Ask the running seeder (through its local admin endpoint) to run List → Fetch → Serve → Distribute now instead of at its next --interval; ' +
      'waits until that pass is done. Same as sending the seeder SIGHUP (systemctl reload precache-seeder), but tells you the result.')
  addSchemaOptions(cmd, 'refresh')
  cmd.action(async () => {
    const config = configFromCommand(cmd, 'refresh')
    const r = await adminRequest(config, 'POST', '/v1/refresh', asRefreshAnswer, REFRESH_TIMEOUT)
    process.stdout.write(`listed ${String(r.images)} image(s)\n`)
  })
  return cmd
}

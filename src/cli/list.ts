import { Command } from 'commander'
import '../backends.js'
import { addSchemaOptions, configFromCommand } from './options.js'
import { createLogger } from '../log.js'
import { listers } from '../list/lister.js'
import type { ImageRef } from '../image/ref.js'
import { formatBytes } from '../config/units.js'

function human (n?: number): string {
  return n == null ? '-' : formatBytes(n)
}

/** one line per image, columns aligned */
export function formatTable (images: ImageRef[]): string {
  const rows = [['ID', 'NAME', 'PROJECT', 'SIZE', 'FORMAT'], ...images.map(i => [i.id, i.name ?? '-', i.project ?? '-', human(i.size), i.diskFormat ?? '-'])]
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)))
  return rows.map(r => r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c])).join('  ')).join('\n') + '\n'
}

/** `precache list`: what the configured lister selects, without moving any data */
export function listCommand (): Command {
  const cmd = new Command('list')
    .description('Print the images the configured lister selects (id, name, project, size, disk format), to check a configuration.\n' +
      'Examples:\n  precache list --images ~/precache/images\n  precache list --lister glance --os-cloud mycloud --glance-tag precache --json')
    .option('--json', 'print a JSON array instead of a table')
  addSchemaOptions(cmd, 'list')
  cmd.action(async () => {
    const config = configFromCommand(cmd, 'list')
    const lister = listers.get(config.seeder.lister)({ config, log: createLogger('list') })
    await lister.validate?.()
    const images = await lister.list()
    if (cmd.opts().json === true) {
      process.stdout.write(JSON.stringify(images.map(i => ({ id: i.id, name: i.name ?? null, project: i.project ?? null, size: i.size ?? null, diskFormat: i.diskFormat ?? null, checksums: i.checksums ?? {} })), null, 2) + '\n')
    } else {
      process.stdout.write(formatTable(images))
    }
  })
  return cmd
}

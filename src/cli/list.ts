import { Command } from 'commander'
import '../backends.js'
import { addSchemaOptions, configFromCommand } from './options.js'
import { createLogger } from '../log.js'
import { listers } from '../list/lister.js'
import type { ImageRef } from '../image/ref.js'
import { formatBytes } from '../config/units.js'
import { parseTargetRules, selectorFor } from '../distribute/selector.js'
import type { TargetRule } from '../distribute/selector.js'
import { formatRows } from './table.js'

/** one line per image, columns aligned; HOSTS is the selector the seeder would announce (all = every host) */
export function formatTable (images: ImageRef[], rules: TargetRule[] = []): string {
  return formatRows([['ID', 'NAME', 'PROJECT', 'SIZE', 'FORMAT', 'HOSTS'], ...images.map(i => [i.id, i.name ?? '-', i.project ?? '-',
    i.size != null ? formatBytes(i.size) : '-', i.diskFormat ?? '-', selectorFor(rules, i) ?? 'all'])])
}

/** `precache list`: what the configured lister selects, without moving any data */
export function listCommand (): Command {
  const cmd = new Command('list')
    .description('Print the images the configured lister selects (id, name, project, size, disk format, and the hosts they are aimed at: ' +
      'the Glance property precache_hosts or a [seeder] targets rule, "all" when neither), to check a configuration.\n' +
      'Examples:\n  precache list --images ~/precache/images\n  precache list --lister glance --os-cloud mycloud --glance-tag precache --json')
    .option('--json', 'print a JSON array instead of a table')
  addSchemaOptions(cmd, 'list')
  cmd.action(async () => {
    const config = configFromCommand(cmd, 'list')
    const rules = parseTargetRules(config.seeder.targets)
    const lister = listers.get(config.seeder.lister)({ config, log: createLogger('list') })
    await lister.validate?.()
    const images = await lister.list()
    if (cmd.opts().json === true) {
      process.stdout.write(JSON.stringify(images.map(i => ({ id: i.id, name: i.name ?? null, project: i.project ?? null, size: i.size ?? null, diskFormat: i.diskFormat ?? null, selector: selectorFor(rules, i) ?? null, checksums: i.checksums ?? {} })), null, 2) + '\n')
    } else {
      process.stdout.write(formatTable(images, rules))
    }
  })
  return cmd
}

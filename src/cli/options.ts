import { Option } from 'commander'
import type { Command } from 'commander'
import { OPTIONS } from '../config/schema.js'
import type { CommandName } from '../config/schema.js'
import { loadConfig } from '../config/load.js'
import type { Config } from '../config/load.js'

/** Adds `--config` and every schema option's flag that applies to a command */
export function addSchemaOptions (cmd: Command, name: CommandName): Command {
  cmd.option('-c, --config <file>', 'INI config file (default /etc/precache/precache.conf when it exists)')
  for (const spec of OPTIONS) {
    if (spec.flag == null || !spec.commands.includes(name)) continue
    const placeholder = spec.type === 'list' ? '<value...>' : spec.type === 'bool' ? '[bool]' : '<value>'
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : ''
    const opt = new Option(`--${spec.flag} ${placeholder}`, `${spec.doc}${def} [${spec.section}] ${spec.key}`)
    cmd.addOption(opt)
  }
  return cmd
}

/** Loads the validated config for a command from its parsed commander options */
export function configFromCommand (cmd: Command, name: CommandName): Config {
  const parsed = cmd.opts()
  const flags: Record<string, string | string[] | undefined> = {}
  for (const spec of OPTIONS) {
    if (spec.flag == null) continue
    const camel = spec.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    const v = parsed[camel]
    if (v === undefined) continue
    flags[spec.flag] = typeof v === 'boolean' ? String(v) : v
  }
  return loadConfig({ command: name, flags, configFile: parsed.config })
}

import { Option } from 'commander'
import type { Command } from 'commander'
import { OPTIONS } from '../config/schema.js'
import type { CommandName, OptionSpec } from '../config/schema.js'
import { loadConfig } from '../config/load.js'
import type { Config } from '../config/load.js'

/** Value names in --help for options whose type alone says too little */
const VALUE_NAMES: Record<string, string> = {
  listen: 'multiaddr',
  announce: 'multiaddr',
  seeder: 'multiaddr',
  trust: 'peer-id',
  'cache-owner': 'user[:group]',
  'cache-mode': 'octal',
  'admin-listen': 'host:port|path',
  'metrics-listen': 'host:port|path',
  'data-host': 'host',
  'glance-endpoint': 'url',
  'swift-auth-url': 'url',
  'http-url': 'url-template',
  'swift-object': 'template',
  'glance-property': 'key=value',
  'glance-visibility': 'visibility',
  'os-interface': 'public|internal|admin',
  'os-auth-type': 'password|v3applicationcredential|noauth',
  'os-project-id': 'project-id',
  'os-roles': 'role',
  'glance-owner': 'project-id',
  'glance-tag': 'tag',
  'swift-user': 'user',
  'swift-key': 'key',
  'swift-container': 'container',
  labels: 'key=value',
  pin: 'image-id',
  lister: 'directory|glance',
  fetcher: 'file|glance|swift|http',
  'cache-driver': 'directory|nova'
}

const TYPE_NAMES: Record<OptionSpec['type'], string> = {
  string: 'name', path: 'path', int: 'n', size: 'size', duration: 'duration', rate: 'rate', bool: 'bool', list: 'value'
}

/** `<path>`, `<duration>`, `<multiaddr...>`, `<text|json>`, `[bool]` … */
export function valueName (spec: OptionSpec): string {
  if (spec.type === 'bool') return '[bool]'
  const name = spec.choices?.join('|') ?? (spec.flag != null ? VALUE_NAMES[spec.flag] : undefined) ?? TYPE_NAMES[spec.type]
  return spec.type === 'list' ? `<${name}...>` : `<${name}>`
}

/** Adds `--config` and every schema option's flag that applies to a command */
export function addSchemaOptions (cmd: Command, name: CommandName): Command {
  cmd.option('-c, --config <path>', 'INI config file; flags override it (default /etc/precache/precache.conf when it exists)')
  for (const spec of OPTIONS) {
    if (spec.flag == null || !spec.commands.includes(name)) continue
    const placeholder = valueName(spec)
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
  // --config given before the command (`precache --config F peer`) counts too
  return loadConfig({ command: name, flags, configFile: parsed.config ?? cmd.parent?.opts().config })
}

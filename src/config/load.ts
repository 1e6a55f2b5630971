import { readFileSync, existsSync } from 'node:fs'
import { ConfigError, errorCode } from '../errors.js'
import { parseIni } from './ini.js'
import { checkPath } from './validate.js'
import { OPTIONS, findOption } from './schema.js'
import type { CommandName, Config, KeyOf, OptionSpec, SectionName } from './schema.js'
import { parseDuration, parseRate, parseSize } from './units.js'
import { resolve } from 'node:path'

export const DEFAULT_CONFIG_FILE = '/etc/precache/precache.conf'

export type { Config } from './schema.js'

function parseValue (spec: OptionSpec, raw: string | string[], where: string): unknown {
  const value = parseRaw(spec, raw, where)
  if (typeof value === 'number' && ((spec.min != null && value < spec.min) || (spec.max != null && value > spec.max))) {
    throw new ConfigError(`${where}: ${String(Array.isArray(raw) ? raw.at(-1) : raw)} is out of range (${spec.min ?? '-∞'} to ${spec.max ?? '∞'}${['size', 'rate'].includes(spec.type) ? ' bytes' : spec.type === 'duration' ? ' ms' : ''})`)
  }
  return value
}

function parseRaw (spec: OptionSpec, raw: string | string[], where: string): unknown {
  if (spec.type === 'list') {
    const items = (Array.isArray(raw) ? raw : [raw]).flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
    return items
  }
  const text = Array.isArray(raw) ? raw[raw.length - 1] : raw
  const what = `${where}`
  switch (spec.type) {
    case 'string': {
      if (spec.choices != null && !spec.choices.includes(text)) {
        throw new ConfigError(`${what}: "${text}" is not one of ${spec.choices.join(', ')}`)
      }
      return text
    }
    case 'path': return resolve(checkPath(text, what))
    case 'int': {
      if (!/^\s*\d+\s*$/.test(text)) throw new ConfigError(`${what}: "${text}" is not a whole number`)
      return Number(text)
    }
    case 'size': return parseSize(text, what)
    case 'duration': return parseDuration(text, what)
    case 'rate': return parseRate(text, what)
    case 'bool': {
      const t = text.trim().toLowerCase()
      if (['true', 'yes', 'on', '1'].includes(t)) return true
      if (['false', 'no', 'off', '0'].includes(t)) return false
      throw new ConfigError(`${what}: "${text}" is not true or false`)
    }
  }
}

export interface LoadOptions {
  command: CommandName
  /** flag name (without dashes) → value(s) as typed on the command line */
  flags: Record<string, string | string[] | undefined>
  /** explicit --config path (must exist); otherwise the default file is read when present */
  configFile?: string
}

/**
 * Loads defaults, then the INI file, then flags, validating each value and
 * rejecting unknown options with the file and option named.
 */
export function loadConfig (opts: LoadOptions): Config {
  // filled option by option from the schema, so it is typed as Config once complete (below)
  const config: Record<string, Record<string, unknown>> = {}
  for (const spec of OPTIONS) {
    config[spec.section] ??= {}
    if (spec.default !== undefined) {
      config[spec.section][spec.key] = parseValue(spec, spec.default, `default of [${spec.section}] ${spec.key}`)
    }
  }
  let file = opts.configFile
  if (file != null && !existsSync(file)) {
    throw new ConfigError(`config file ${file} does not exist`)
  }
  if (file == null && existsSync(DEFAULT_CONFIG_FILE)) file = DEFAULT_CONFIG_FILE
  if (file != null) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${errorCode(err)}`)
    }
    const sections = parseIni(text, file)
    for (const [section, entries] of Object.entries(sections)) {
      for (const [key, { value, line }] of Object.entries(entries)) {
        const spec = findOption(section, key)
        const where = `${file}:${line}: [${section}] ${key}`
        if (spec == null) {
          const near = OPTIONS.filter(o => o.key === key).map(o => `[${o.section}] ${o.key}`)
          throw new ConfigError(`${where}: unknown option${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}`)
        }
        config[section][key] = parseValue(spec, value, where)
      }
    }
  }
  for (const spec of OPTIONS) {
    if (spec.flag == null || !spec.commands.includes(opts.command)) continue
    const raw = opts.flags[spec.flag]
    if (raw === undefined) continue
    config[spec.section][spec.key] = parseValue(spec, raw, `--${spec.flag}`)
  }
  // every section exists, every value was parsed by its spec's type and every default applied
  return config as Config
}

/** Throws a ConfigError naming both the flag and the INI key of a missing option */
export function requireOption<S extends SectionName, K extends KeyOf<S>> (config: Config, section: S, key: K): NonNullable<Config[S][K]> {
  const value = config[section][key]
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    const spec = findOption(section, key)
    const flag = spec?.flag != null ? `--${spec.flag} or ` : ''
    throw new ConfigError(`missing required option: set ${flag}[${section}] ${key} in the config file`)
  }
  return value as NonNullable<Config[S][K]>
}

import { ConfigError } from '../errors.js'

export type IniSections = Record<string, Record<string, { value: string, line: number }>>

/**
 * Parses an OpenStack-style INI file: `[section]` headers, `key = value`
 * lines, `#` and `;` comments. Keys before any section go to DEFAULT.
 */
export function parseIni (text: string, file: string): IniSections {
  const sections: IniSections = { DEFAULT: {} }
  let current = 'DEFAULT'
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header != null) {
      current = header[1].trim()
      sections[current] ??= {}
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) {
      throw new ConfigError(`${file}:${i + 1}: expected "key = value" or "[section]", got "${line}"`)
    }
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    sections[current][key] = { value, line: i + 1 }
  }
  return sections
}

import { ConfigError } from '../errors.js'

export type IniSections = Record<string, Record<string, { value: string, line: number }>>

/**
 * Parses an OpenStack-style INI file: `[section]` headers, `key = value`
 * lines, `#` and `;` comment lines. Keys before any section go to DEFAULT.
 *
 * Inline comments: a `#` or `;` that follows whitespace starts a comment, which
 * is removed with the whitespace before it (`dir = /srv/x   # where` is
 * `/srv/x`). A `#` or `;` with no whitespace before it stays part of the value
 * (`url_template = http://m/x#y`). A value cannot contain " #" or " ;".
 */
export function parseIni (text: string, file: string): IniSections {
  const sections: IniSections = { DEFAULT: {} }
  let current = 'DEFAULT'
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([^\]]+)\]$/.exec(stripInlineComment(line))
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
    const value = stripInlineComment(line.slice(eq + 1)).trim()
    if (sections[current][key] != null) {
      throw new ConfigError(`${file}:${i + 1}: [${current}] ${key} is set twice (also on line ${sections[current][key].line}); keep one`)
    }
    sections[current][key] = { value, line: i + 1 }
  }
  return sections
}

/** Removes an inline comment: whitespace followed by `#` or `;`, to the end of the line */
export function stripInlineComment (s: string): string {
  const m = /\s[#;]/.exec(s)
  return m == null ? s : s.slice(0, m.index)
}

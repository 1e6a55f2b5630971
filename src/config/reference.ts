/** Renders the configuration reference (README, `precache config-reference`) from the schema */
import { OPTIONS } from './schema.js'

export function configReference (): string {
  const sections = [...new Set(OPTIONS.map(o => o.section))]
  const out: string[] = []
  for (const section of sections) {
    out.push(`### [${section}]`, '', '| option | flag | type | default | used by | meaning |', '|---|---|---|---|---|---|')
    for (const o of OPTIONS.filter(o => o.section === section)) {
      out.push(`| \`${o.key}\` | ${o.flag != null ? `\`--${o.flag}\`` : ''} | ${o.type} | ${o.default != null ? `\`${o.default}\`` : ''} | ${o.commands.join(', ')} | ${o.doc.replace(/\|/g, '\\|')} |`)
    }
    out.push('')
  }
  return out.join('\n')
}

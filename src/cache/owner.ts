/** Resolves `user[:group]` (names or numbers) to uid/gid from /etc/passwd and /etc/group */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.js'

function lookup (file: string, name: string): number | undefined {
  let text = ''
  try { text = readFileSync(file, 'utf8') } catch { return undefined }
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f[0] === name && f.length > 3) return Number(f[2])
  }
  return undefined
}

function primaryGroup (uid: number): number | undefined {
  let text = ''
  try { text = readFileSync('/etc/passwd', 'utf8') } catch { return undefined }
  const row = text.split('\n').map(l => l.split(':')).find(f => f.length > 3 && Number(f[2]) === uid)
  return row != null ? Number(row[3]) : undefined
}

export function parseOwner (spec: string): { uid: number, gid: number } {
  const [user, group] = spec.split(':')
  const uid = /^\d+$/.test(user) ? Number(user) : lookup('/etc/passwd', user)
  if (uid == null) throw new ConfigError(`[cache] owner: no user "${user}" on this host`)
  const gid = group == null || group === '' ? primaryGroup(uid) ?? uid : /^\d+$/.test(group) ? Number(group) : lookup('/etc/group', group)
  if (gid == null) throw new ConfigError(`[cache] owner: no group "${group ?? ''}" on this host`)
  return { uid, gid }
}

export function parseMode (text: string): number {
  if (!/^0?[0-7]{3,4}$/.test(text)) throw new ConfigError(`[cache] mode "${text}" is not an octal file mode like 0644`)
  return parseInt(text, 8)
}

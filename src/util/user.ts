import { userInfo } from 'node:os'

/** This process's user name (its uid when it has no passwd entry), for messages */
export function userName (): string {
  try { return userInfo().username } catch { return String(process.getuid?.() ?? '?') }
}

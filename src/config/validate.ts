/** Checks on configuration values that units.ts does not cover */
import { ConfigError } from '../errors.js'

/**
 * A path as typed must mean itself: a `#` (a comment left in the value), or
 * whitespace at either end (a pasted trailing space), or a control character
 * would name a folder nobody intended — and images would go where nothing looks.
 */
export function checkPath (text: string, what: string): string {
  if (text.trim() === '') throw new ConfigError(`${what}: empty path`)
  if (text.includes('#')) {
    throw new ConfigError(`${what}: "${text}" contains "#": remove the comment from the value (an inline comment needs a space before "#")`)
  }
  if (text !== text.trim()) throw new ConfigError(`${what}: "${text}" starts or ends with whitespace: remove it`)
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(text)) throw new ConfigError(`${what}: the path contains a control character`)
  return text
}

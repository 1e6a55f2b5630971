/**
 * Host targeting: a peer's labels, and the selector an image's meta may carry.
 *
 * A selector is comma-separated terms that must all hold:
 * `key=value` (the label equals value), `key=v1|v2` (equals one of them),
 * `key!=value` (absent or different). An absent or empty selector selects
 * every host. Examples: `aggregate=gpu`, `az=nova-1|nova-2,host!=compute-7`.
 */
import { hostname } from 'node:os'
import { ConfigError, errorMessage } from '../errors.js'

/** Longest selector accepted (in meta, a Glance property or the config) */
export const MAX_SELECTOR_LENGTH = 1024
const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/
const VALUE = /^[A-Za-z0-9._:/-]{0,255}$/

export interface SelectorTerm { key: string, values: string[], negate: boolean }

/** Parses a selector; throws ConfigError naming what is wrong */
export function parseSelector (text: string): SelectorTerm[] {
  if (text.length > MAX_SELECTOR_LENGTH) throw new ConfigError(`selector longer than ${MAX_SELECTOR_LENGTH} characters`)
  const terms: SelectorTerm[] = []
  for (const raw of text.split(',')) {
    const term = raw.trim()
    if (term === '') continue
    const m = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(term)
    if (m == null) throw new ConfigError(`selector term "${term}" is not key=value, key=v1|v2 or key!=value`)
    const key = m[1].trim()
    if (!KEY.test(key)) throw new ConfigError(`selector key "${key}" must be letters, digits, . _ / - (at most 63)`)
    const values = m[3].split('|').map(v => v.trim())
    for (const v of values) if (!VALUE.test(v)) throw new ConfigError(`selector value "${v}" must be letters, digits, . _ : / - (at most 255)`)
    terms.push({ key, values, negate: m[2] === '!=' })
  }
  return terms
}

/** True when every term holds for these labels */
export function matches (terms: SelectorTerm[], labels: Record<string, string>): boolean {
  return terms.every(t => {
    const has = Object.hasOwn(labels, t.key) && t.values.includes(labels[t.key])
    return t.negate ? !has : has
  })
}

/** True when `selector` (absent = everyone) selects a host with `labels`; a selector that does not parse selects no one */
export function selects (selector: string | undefined, labels: Record<string, string>): boolean {
  if (selector == null || selector.trim() === '') return true
  try { return matches(parseSelector(selector), labels) } catch { return false }
}

/** A peer's labels from `[peer] labels` (key=value items), plus host=<host name> */
export function hostLabels (items: string[], host = hostname()): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const item of items) {
    const m = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(item)
    if (m == null || !KEY.test(m[1]) || !VALUE.test(m[2])) throw new ConfigError(`[peer] labels: "${item}" must be key=value (letters, digits, . _ / -; e.g. aggregate=gpu)`)
    if (m[1] === 'host') throw new ConfigError('[peer] labels: "host" is set from the host name and cannot be given')
    labels[m[1]] = m[2]
  }
  labels.host = host
  return labels
}

/** `[seeder] targets`: image id or name pattern (`*` = any characters) → selector */
export interface TargetRule { pattern: string, match: RegExp, selector: string }

/**
 * Parses `[seeder] targets`: rules separated by `;`, each `PATTERN: SELECTOR`,
 * e.g. `gpu-*: aggregate=gpu; win-*: os=windows`. The first rule whose pattern
 * matches an image's id or name gives its selector (over a Glance property).
 */
export function parseTargetRules (text: string | undefined): TargetRule[] {
  if (text == null) return []
  const rules: TargetRule[] = []
  for (const raw of text.split(';')) {
    if (raw.trim() === '') continue
    const at = raw.indexOf(':')
    const pattern = raw.slice(0, at).trim()
    const selector = raw.slice(at + 1).trim()
    if (at < 0 || pattern === '' || !/^[A-Za-z0-9._*-]+$/.test(pattern)) throw new ConfigError(`[seeder] targets: "${raw.trim()}" must be PATTERN: SELECTOR (pattern of letters, digits, . _ - and *), e.g. gpu-*: aggregate=gpu`)
    try { parseSelector(selector) } catch (err) { throw new ConfigError(`[seeder] targets: rule "${raw.trim()}": ${errorMessage(err)}`) }
    rules.push({ pattern, match: new RegExp('^' + pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*') + '$'), selector })
  }
  return rules
}

/** The selector for an image: the first matching rule's, else the lister's (e.g. the Glance property); undefined = every host */
export function selectorFor (rules: TargetRule[], image: { id: string, name?: string, selector?: string }): string | undefined {
  const rule = rules.find(r => r.match.test(image.id) || (image.name != null && r.match.test(image.name)))
  const s = rule?.selector ?? image.selector
  return s == null || s.trim() === '' ? undefined : s.trim()
}

/** Throws a ConfigError naming the image when its selector does not parse (it would select no host) */
export function checkSelector (selector: string, imageId: string): void {
  try {
    parseSelector(selector)
  } catch (err) {
    throw new ConfigError(`image ${imageId}: its host selector "${selector.slice(0, 100)}" is invalid (${errorMessage(err)}); fix the Glance property precache_hosts or [seeder] targets. It is not announced`)
  }
}

import { ConfigError } from '../errors.js'

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4
}

/** Parses "64MiB", "1GiB", "512k", "1048576" into bytes */
export function parseSize (text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text)
  const unit = m?.[2].toLowerCase() ?? ''
  if (m == null || !(unit in SIZE_UNITS)) {
    throw new ConfigError(`invalid ${what} "${text}": use a number of bytes with an optional unit such as 512KiB, 64MiB, 1GiB`)
  }
  const value = Math.round(Number(m[1]) * SIZE_UNITS[unit])
  if (!Number.isSafeInteger(value)) {
    throw new ConfigError(`invalid ${what} "${text}": too large`)
  }
  return value
}

const DURATION_UNITS: Record<string, number> = { ms: 1, '': 1000, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses "10m", "30s", "1h", "250ms", "45" (seconds) into milliseconds */
export function parseDuration (text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/.exec(text)
  const unit = m?.[2] ?? ''
  if (m == null || !(unit in DURATION_UNITS)) {
    throw new ConfigError(`invalid ${what} "${text}": use a number with a unit such as 30s, 10m, 1h`)
  }
  return Math.round(Number(m[1]) * DURATION_UNITS[unit])
}

const RATE_UNITS: Record<string, number> = {
  bit: 1 / 8, kbit: 1e3 / 8, mbit: 1e6 / 8, gbit: 1e9 / 8,
  'b/s': 1, 'kb/s': 1e3, 'mb/s': 1e6, 'gb/s': 1e9, 'kib/s': 1024, 'mib/s': 1024 ** 2, 'gib/s': 1024 ** 3
}

/**
 * Parses a rate into bytes per second: "100mbit", "1gbit", "50MiB/s", "0"
 * (0 means unlimited).
 */
export function parseRate (text: string, what = 'rate'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z/]*)\s*$/.exec(text)
  const unit = m?.[2].toLowerCase() ?? ''
  if (m != null && Number(m[1]) === 0 && unit === '') return 0
  if (m == null || !(unit in RATE_UNITS)) {
    throw new ConfigError(`invalid ${what} "${text}": use e.g. 100mbit, 1gbit, 50MiB/s, or 0 for unlimited`)
  }
  return Math.round(Number(m[1]) * RATE_UNITS[unit])
}

/** Formats bytes for people: 1.5 GiB, 64.0 MiB, 512 B */
export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`
}

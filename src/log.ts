/**
 * Operator-facing logging: one line per event on stderr, as text
 * (`2026-11-25T06:30:00.000Z seeder: served image foo …`) or JSON.
 *
 * Levels (`--log-level`, default info): error and warn are things an operator
 * should act on; info is what happened (images served, cached, withdrawn);
 * debug is routine (sessions ending, periodic re-publishing, retries that are
 * expected to succeed).
 */
export interface Logger {
  (msg: string, fields?: Record<string, unknown>): void
  debug: (msg: string, fields?: Record<string, unknown>) => void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
  child: (scope: string) => Logger
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = typeof LOG_LEVELS[number]
export const LOG_FORMATS = ['text', 'json'] as const

let format: 'text' | 'json' = 'text'
let threshold = LOG_LEVELS.indexOf('info')

/** Chooses text or json output for every logger */
export function setLogFormat (f: string): void {
  format = f === 'json' ? 'json' : 'text'
}

/** Lines above this level are dropped (error < warn < info < debug) */
export function setLogLevel (level: string): void {
  const i = LOG_LEVELS.indexOf(level as LogLevel)
  threshold = i < 0 ? LOG_LEVELS.indexOf('info') : i
}

export function logLevelEnabled (level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= threshold
}

function emit (level: LogLevel, scope: string, msg: string, fields?: Record<string, unknown>): void {
  if (!logLevelEnabled(level)) return
  const time = new Date().toISOString()
  if (format === 'json') {
    process.stderr.write(JSON.stringify({ time, level, scope, msg, ...fields }) + '\n')
    return
  }
  const extra = fields == null ? '' : ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
  const lvl = level === 'info' ? '' : `${level.toUpperCase()} `
  process.stderr.write(`${time} ${scope}: ${lvl}${msg}${extra}\n`)
}

export function createLogger (scope: string): Logger {
  const log = ((msg: string, fields?: Record<string, unknown>) => { emit('info', scope, msg, fields) }) as Logger
  log.debug = (msg, fields) => { emit('debug', scope, msg, fields) }
  log.warn = (msg, fields) => { emit('warn', scope, msg, fields) }
  log.error = (msg, fields) => { emit('error', scope, msg, fields) }
  log.child = (sub) => createLogger(`${scope}:${sub}`)
  return log
}

/**
 * A rate-limited logger's window: one line per key per this many ms
 *
 * @default 60000
 */
export const DEFAULT_RATE_LIMIT_INTERVAL = 60_000
/**
 * Keys a rate-limited logger remembers (the oldest is forgotten first)
 *
 * @default 1000
 */
export const DEFAULT_RATE_LIMIT_KEYS = 1000

/**
 * A rate-limited logger for events a remote can trigger repeatedly (refused
 * handshakes, wrong swarm key, wrong identity expected): at most one line per
 * key (e.g. the remote address) per `intervalMs`, with the number of events
 * since the last line (`repeated`). With `minCount` > 1 a key is logged only
 * once it has happened that often within `intervalMs` (one aborted dial is not
 * news; a node retrying every few seconds is). Bounded: at most `maxKeys` keys.
 */
export function createRateLimitedLog (log: (msg: string, fields?: Record<string, unknown>) => void, init: { intervalMs?: number, minCount?: number, maxKeys?: number } = {}): (key: string, msg: string, fields?: Record<string, unknown>) => void {
  const interval = init.intervalMs ?? DEFAULT_RATE_LIMIT_INTERVAL
  const minCount = init.minCount ?? 1
  const maxKeys = init.maxKeys ?? DEFAULT_RATE_LIMIT_KEYS
  const seen = new Map<string, { since: number, count: number, logged?: number }>()
  return (key, msg, fields) => {
    const now = Date.now()
    let s = seen.get(key)
    const stale = s != null && (s.logged != null ? now - s.logged >= 2 * interval : now - s.since >= interval)
    if (s == null || stale) {
      seen.delete(key)
      if (seen.size >= maxKeys) seen.delete(seen.keys().next().value as string) // the oldest
      s = { since: now, count: 0 }
      seen.set(key, s)
    }
    s.count++
    if (s.logged != null ? now - s.logged < interval : s.count < minCount) return
    log(msg, s.count > 1 ? { ...fields, repeated: s.count } : fields)
    s.logged = now
    s.count = 0
  }
}

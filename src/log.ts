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
 * A rate-limited logger for events a remote can trigger repeatedly (refused
 * handshakes, wrong swarm key, wrong identity expected): at most one line per
 * key (e.g. the remote address) per `intervalMs`, with the number suppressed
 * since the last line. Bounded: remembers at most `maxKeys` keys.
 */
export function createRateLimitedLog (log: (msg: string, fields?: Record<string, unknown>) => void, init: { intervalMs?: number, maxKeys?: number } = {}): (key: string, msg: string, fields?: Record<string, unknown>) => void {
  const interval = init.intervalMs ?? 60_000
  const maxKeys = init.maxKeys ?? 1000
  const seen = new Map<string, { last: number, suppressed: number }>()
  return (key, msg, fields) => {
    const now = Date.now()
    const s = seen.get(key)
    if (s != null && now - s.last < interval) { s.suppressed++; return }
    if (s == null && seen.size >= maxKeys) {
      for (const [k, v] of seen) if (now - v.last >= interval) seen.delete(k)
      if (seen.size >= maxKeys) seen.delete(seen.keys().next().value as string)
    }
    const suppressed = s?.suppressed ?? 0
    seen.delete(key)
    seen.set(key, { last: now, suppressed: 0 })
    log(msg, suppressed > 0 ? { ...fields, repeated: suppressed } : fields)
  }
}

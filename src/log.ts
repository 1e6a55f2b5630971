/**
 * Operator-facing logging: one line per event on stderr, as text
 * (`2026-11-25T06:30:00.000Z seeder: served image foo …`) or JSON.
 */
export interface Logger {
  (msg: string, fields?: Record<string, unknown>): void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
  child: (scope: string) => Logger
}

let format: 'text' | 'json' = 'text'

/** Chooses text or json output for every logger */
export function setLogFormat (f: string): void {
  format = f === 'json' ? 'json' : 'text'
}

function emit (level: string, scope: string, msg: string, fields?: Record<string, unknown>): void {
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
  log.warn = (msg, fields) => { emit('warn', scope, msg, fields) }
  log.error = (msg, fields) => { emit('error', scope, msg, fields) }
  log.child = (sub) => createLogger(`${scope}:${sub}`)
  return log
}

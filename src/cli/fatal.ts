/**
 * The one place where an error that ends the process becomes one line on
 * stderr and an exit code. Every command funnels its errors here, so bad input
 * or a fatal start-up problem (folder not writable, port in use, unreadable
 * key, state folder locked) is `precache: <what to do>` and exit code 2 — never
 * a stack trace — and the process exits at once even if a libp2p node or a
 * timer is still holding the event loop.
 *
 * To make a new failure fatal with exit code 2, throw a PrecacheError whose
 * class has exitCode 2 (ConfigError, InputFileError, ListenError, …) from the
 * command's start-up.
 */
import { CommanderError } from 'commander'
import { PrecacheError, errorMessage } from '../errors.js'

let showStacks = false

/** Unexpected errors also print their stack (`--log-level debug`) */
export function setShowStacks (on: boolean): void { showStacks = on }

/** The line and exit code for an error that reached the top of a command */
export function describeFatal (err: unknown): { line?: string, code: number } {
  if (err instanceof CommanderError) {
    // commander has printed its own message already
    return { code: err.exitCode === 0 ? 0 : 2 }
  }
  if (err instanceof PrecacheError) {
    return { line: `precache: ${oneLine(errorMessage(err))}`, code: err.exitCode }
  }
  const stack = err instanceof Error ? err.stack : undefined
  const detail = showStacks && typeof stack === 'string' ? stack : oneLine(errorMessage(err))
  return { line: `precache: unexpected error: ${detail}${showStacks ? '' : ' (run with --log-level debug for details; please report it)'}`, code: 1 }
}

/** Writes the error's one line and exits now */
export function exitWithError (err: unknown): never {
  const { line, code } = describeFatal(err)
  if (line != null) process.stderr.write(line + '\n')
  process.exit(code)
}

function oneLine (s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim()
}

/**
 * The state folder's lock: one precache process per state folder. Two peers on
 * one folder would download over each other's partial files.
 *
 * `<state_dir>/precache.lock` holds the owner's pid, role and host name. It is
 * created with O_EXCL; a lock whose process is gone (a crash, a reboot) is
 * stale and taken over. A pid that now belongs to a process that is not
 * precache (pid reuse after a reboot) also counts as gone. Released on stop and
 * at process exit.
 */
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { InputFileError, StateDirLockedError, errorCode } from '../errors.js'
import { userName } from '../util/user.js'

export const LOCK_FILE = 'precache.lock'

export interface StateLock {
  path: string
  /** true when a stale lock (its process gone) was taken over */
  tookOver: boolean
  release: () => void
}

interface Owner { pid: number, role: string, host: string, started: string }

/** Takes the lock of `dir` (which must exist) for this process, or throws a one-line error */
export function lockStateDir (dir: string, role: string): StateLock {
  const path = join(dir, LOCK_FILE)
  const me: Owner = { pid: process.pid, role, host: hostname(), started: new Date().toISOString() }
  const text = JSON.stringify(me) + '\n'
  let tookOver = false
  try {
    writeExclusive(path, text)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw notWritable(dir, err)
    const owner = readOwner(path)
    // a lock naming this very process is from an earlier life of the same pid
    // (a container's pid 1 after a restart): stale
    if (owner != null && owner.pid !== process.pid && isRunningPrecache(owner.pid)) {
      throw new StateDirLockedError(`state folder ${dir} is in use by precache ${owner.role} (pid ${owner.pid}, started ${owner.started}): ` +
        'stop that process first, or give this one its own --state-dir')
    }
    // stale: its process is gone. Replace it atomically.
    try {
      writeExclusive(path + `.${process.pid}.tmp`, text)
      renameSync(path + `.${process.pid}.tmp`, path)
    } catch (err2) {
      throw notWritable(dir, err2)
    }
    tookOver = true
  }
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    process.off('exit', release)
    if (readOwner(path)?.pid === process.pid) {
      try { unlinkSync(path) } catch {}
    }
  }
  process.on('exit', release)
  return { path, tookOver, release }
}

function writeExclusive (path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644)
  try { writeSync(fd, text) } finally { closeSync(fd) }
}

function readOwner (path: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8'))
    return Number.isInteger(o?.pid) ? o : undefined
  } catch {
    return undefined
  }
}

/** Is `pid` a live process running precache (node … cli/main.js or bin/precache)? */
function isRunningPrecache (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return /precache|cli[/\\]main\.js/.test(cmdline)
  } catch {
    return true // cannot tell: assume it is
  }
}

function notWritable (dir: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  if (['EACCES', 'EPERM', 'EROFS'].includes(code)) {
    return new InputFileError(`state folder ${dir} is not writable by user ${userName()} (${code}): ` +
      'make it writable (chown/chmod) or set --state-dir to a folder this user owns')
  }
  return new InputFileError(`cannot use state folder ${dir}: ${errorCode(err)}; set --state-dir`)
}

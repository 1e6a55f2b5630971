import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join, relative, isAbsolute } from 'node:path'
import { InputFileError, errorCode } from '../errors.js'
import { requireOption } from '../config/load.js'
import { imageIdFromName, isImageId } from '../image/id.js'
import type { Logger } from '../log.js'
import { listers } from './lister.js'
import type { ImageLister, ImageRef, ListerComponents } from './lister.js'
import { DEFAULT_IDENTITY_FILE } from '../net/identity.js'

/**
 * A file is taken only when its size and mtime are the same at two looks this
 * far apart (a file still being copied in is left for the next look)
 *
 * @default 2000
 */
export const DEFAULT_SETTLE_MS = 2000
/**
 * Longest image id the directory lister takes: the id becomes file names
 * with suffixes on every host (`.sha256`, `.manifest.tmp`), which must stay
 * within the 255 bytes a file name may have
 *
 * @default 200
 */
export const MAX_FILE_IMAGE_ID = 200

export interface DirectoryListerInit {
  dir: string
  /** @default DEFAULT_SETTLE_MS */
  settleMs?: number
  /** files that must never be served, however they are linked in (identity, swarm key) */
  secrets?: string[]
  /** the node's state folder: the images folder may not be inside it, nor it inside the images folder */
  stateDir?: string
  /** where problems with single files are reported, each once */
  log?: Logger
}

interface Look { size: number, mtimeMs: number, ino: number, at: number }

const inside = (parent: string, child: string): boolean => {
  const r = relative(parent, child)
  return r === '' || (!r.startsWith('..') && !isAbsolute(r))
}

/**
 * The directory lister: every regular file in a folder is an image whose id
 * is its file name (characters other than letters, digits, `.`, `_` and `-`
 * become `_`). Rules, for an attacker's or a tired operator's folder:
 *
 * - hidden files and `.part` files are skipped (write an image under such a
 *   name, then rename it: the rename is what publishes it);
 * - symbolic links are never followed, not even to files inside the folder
 *   (copy or hard-link an image in instead); other non-regular files are skipped;
 * - a file is taken only when complete: same size and mtime at two looks
 *   `settleMs` apart; one still changing is reported as `settling` and kept
 *   as it was (not withdrawn);
 * - two names that map to one id are both refused; an empty file, a name
 *   whose id is too long, and any link to the node's identity or swarm key
 *   are refused; each problem is logged once, not at every listing.
 */
export function directoryLister (init: DirectoryListerInit): ImageLister {
  const settleMs = init.settleMs ?? DEFAULT_SETTLE_MS
  const seen = new Map<string, Look>()
  const reported = new Map<string, string>()
  let secrets: Array<{ dev: number, ino: number }> | undefined

  const report = (problems: Map<string, string>): void => {
    for (const [key, msg] of problems) {
      if (reported.get(key) !== msg) init.log?.warn(msg)
      reported.set(key, msg)
    }
    for (const key of [...reported.keys()]) if (!problems.has(key)) reported.delete(key)
  }

  const secretFiles = async (): Promise<Array<{ dev: number, ino: number }>> => {
    if (secrets != null) return secrets
    const files = [...init.secrets ?? [], ...(init.stateDir != null ? [join(init.stateDir, DEFAULT_IDENTITY_FILE)] : [])]
    const found = await Promise.all(files.map(async f => await stat(f).catch(() => undefined)))
    secrets = found.filter((s): s is Stats => s != null).map(s => ({ dev: s.dev, ino: s.ino }))
    return secrets
  }

  const look = async (path: string): Promise<Stats | undefined> => await lstat(path).catch(() => undefined)
  const same = (a: Look, s: Stats): boolean => a.size === s.size && a.mtimeMs === s.mtimeMs && a.ino === s.ino

  return {
    async validate () {
      const s = await stat(init.dir).catch((err: unknown) => {
        throw new InputFileError(`images folder ${init.dir} cannot be used: ${errorCode(err)}; set --images to a readable folder`)
      })
      if (!s.isDirectory()) throw new InputFileError(`images folder ${init.dir} is not a folder; set --images to a readable folder`)
      await readdir(init.dir).catch((err: unknown) => {
        throw new InputFileError(`images folder ${init.dir} cannot be read: ${errorCode(err)}`)
      })
      if (init.stateDir != null) {
        const images = await realpath(init.dir)
        const state = await realpath(init.stateDir).catch(() => init.stateDir as string)
        if (inside(images, state) || inside(state, images)) {
          throw new InputFileError(`images folder ${init.dir} and state folder ${init.stateDir} overlap: the node's keys and records could be served; keep them apart`)
        }
      }
    },
    async list (signal?: AbortSignal): Promise<ImageRef[]> {
      let names: string[]
      try {
        names = await readdir(init.dir)
      } catch (err) {
        throw new InputFileError(`cannot read images folder ${init.dir}: ${errorCode(err)}`)
      }
      const forbidden = await secretFiles()
      const problems = new Map<string, string>()
      const candidates = new Map<string, { name: string, s: Stats }>()
      const byId = new Map<string, string[]>()
      for (const name of names.sort()) {
        if (name.startsWith('.') || name.endsWith('.part')) continue
        const s = await look(join(init.dir, name))
        if (s == null) continue
        if (s.isSymbolicLink()) { problems.set(name, `images folder: ${name} is a symbolic link: not served (copy or hard-link the image into the folder)`); continue }
        if (!s.isFile()) continue
        if (forbidden.some(f => f.dev === s.dev && f.ino === s.ino)) { problems.set(name, `images folder: ${name} is the node's identity or swarm key: never served; remove it from the folder`); continue }
        const id = imageIdFromName(name)
        if (!isImageId(id) || id.length > MAX_FILE_IMAGE_ID) { problems.set(name, `images folder: ${name} cannot be an image id (at most ${MAX_FILE_IMAGE_ID} characters; not . or ..): not served; rename it`); continue }
        if (s.size === 0) { problems.set(name, `images folder: ${name} is empty (0 bytes): not served`); continue }
        byId.set(id, [...byId.get(id) ?? [], name])
        candidates.set(id, { name, s })
      }
      for (const [id, all] of byId) {
        if (all.length < 2) continue
        candidates.delete(id)
        problems.set(`id:${id}`, `images folder: ${all.map(n => JSON.stringify(n)).join(' and ')} both map to image id ${id}: neither is served; rename one`)
      }
      report(problems)

      // completeness: unchanged across two looks settleMs apart
      const now = Date.now()
      const unsettled = [...candidates.values()].filter(({ name, s }) => {
        const before = seen.get(name)
        return before == null || !same(before, s) || now - before.at < settleMs
      })
      for (const { name, s } of unsettled) if (!same(seen.get(name) ?? { size: -1, mtimeMs: -1, ino: -1, at: 0 }, s)) seen.set(name, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, at: now })
      const settling = new Set<string>()
      if (unsettled.length > 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, settleMs)
          signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
        })
        for (const { name, s } of unsettled) {
          const again = await look(join(init.dir, name))
          if (again == null || !again.isFile() || again.size !== s.size || again.mtimeMs !== s.mtimeMs || again.ino !== s.ino) settling.add(name)
        }
      }
      for (const name of [...seen.keys()]) if (![...candidates.values()].some(c => c.name === name)) seen.delete(name)
      return [...candidates].map(([id, { name, s }]) => ({ id, name, size: s.size, mtimeMs: s.mtimeMs, ...(settling.has(name) ? { settling: true } : {}) }))
    }
  }
}

listers.register('directory', (c: ListerComponents) => directoryLister({
  dir: requireOption(c.config, 'seeder', 'images_dir'),
  secrets: [c.config.DEFAULT.identity, c.config.DEFAULT.swarm_key].filter((f): f is string => f != null),
  stateDir: c.config.DEFAULT.state_dir,
  log: c.log
}))

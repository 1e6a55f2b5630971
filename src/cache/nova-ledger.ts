/**
 * A small JSON record of the files a cache driver placed itself, so it only
 * ever removes or touches those (written atomically: a crash leaves the old or the new record).
 */
import { readFile } from 'node:fs/promises'
import { atomicWrite } from '../util/atomic-write.js'

export interface NovaLedgerEntry {
  /** final path */
  path: string
  /** whole-image SHA-256 of the announced bytes */
  sha256: string
  /** inode and size of the placed file: a file Nova replaced is not ours any more */
  ino: number
  size: number
  sameBytes: boolean
}

export interface NovaLedger {
  get: (imageId: string) => NovaLedgerEntry | undefined
  set: (imageId: string, entry: NovaLedgerEntry) => Promise<void>
  delete: (imageId: string) => Promise<void>
  entries: () => Array<[string, NovaLedgerEntry]>
}

export async function openNovaLedger (file: string): Promise<NovaLedger> {
  const data: Record<string, NovaLedgerEntry> = await readFile(file, 'utf8').then(t => JSON.parse(t), () => ({}))
  let writing = Promise.resolve()
  const save = async (): Promise<void> => {
    const text = JSON.stringify(data, null, 1)
    writing = writing.catch(() => {}).then(async () => {
      await atomicWrite(file, text)
    })
    await writing
  }
  return {
    get: id => data[id],
    async set (id, entry) { data[id] = entry; await save() },
    async delete (id) { delete data[id]; await save() },
    entries: () => Object.entries(data)
  }
}

/**
 * The peer's record of what it placed and the signed manifests it holds, so
 * a restarted peer keeps serving finished images and knows what to withdraw.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface PlacedImage { manifestId: string, seeder: string, path: string, sameBytes: boolean }

export interface PlacedRecord {
  get: (imageId: string) => PlacedImage | undefined
  all: () => Array<[string, PlacedImage]>
  set: (imageId: string, p: PlacedImage) => Promise<void>
  delete: (imageId: string) => Promise<void>
  saveManifest: (manifestId: string, bytes: Uint8Array, signature: Uint8Array) => Promise<void>
  loadManifest: (manifestId: string) => Promise<{ manifestBytes: Uint8Array, signature: Uint8Array } | undefined>
}

async function atomicWrite (path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path + '.tmp', data)
  await rename(path + '.tmp', path)
}

export async function openPlacedRecord (stateDir: string): Promise<PlacedRecord> {
  const dir = join(stateDir, 'peer')
  const file = join(dir, 'placed.json')
  await mkdir(join(dir, 'manifests'), { recursive: true })
  const placed = new Map<string, PlacedImage>(Object.entries(await readFile(file, 'utf8').then(t => JSON.parse(t)).catch(() => ({}))))
  const save = async (): Promise<void> => { await atomicWrite(file, JSON.stringify(Object.fromEntries(placed), null, 1)) }
  return {
    get: (id) => placed.get(id),
    all: () => [...placed.entries()],
    async set (id, p) { placed.set(id, p); await save() },
    async delete (id) { if (placed.delete(id)) await save() },
    async saveManifest (manifestId, bytes, signature) {
      await atomicWrite(join(dir, 'manifests', `${manifestId}.manifest`), bytes)
      await atomicWrite(join(dir, 'manifests', `${manifestId}.sig`), signature)
    },
    async loadManifest (manifestId) {
      try {
        const manifestBytes = new Uint8Array(await readFile(join(dir, 'manifests', `${manifestId}.manifest`)))
        const signature = new Uint8Array(await readFile(join(dir, 'manifests', `${manifestId}.sig`)))
        return { manifestBytes, signature }
      } catch {
        return undefined
      }
    }
  }
}

/**
 * The `swarm` ImageServer: the initial seed. Cuts an image into blocks,
 * hashes them into a signed, content-addressed manifest (cached in the state
 * folder so an unchanged image is not re-read every period) and super-seeds
 * it to the swarm.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import type { Logger } from '../log.js'
import type { Swarm } from '../swarm/engine.js'
import { openSourceStore } from '../swarm/store.js'
import { buildManifest, chooseBlockSize, decodeManifest, encodeManifest, manifestCid, DEFAULT_BLOCK_SIZE } from '../image/manifest.js'
import { signManifest } from '../image/sign.js'
import type { ImageMeta } from '../image/meta.js'
import type { ImageServer } from './server.js'
import { atomicWrite } from '../util/atomic-write.js'

export interface SwarmServerInit {
  /** folder for cached manifests */
  stateDir: string
  /** @default DEFAULT_BLOCK_SIZE */
  blockSize?: number
}

export interface SwarmServerComponents {
  swarm: Swarm
  privateKey: PrivateKey
  /** this seeder's peer id and dialable addresses, put into every meta */
  self: () => { peerId: string, addrs: string[] }
  log: Logger
  /**
   * A block read from the image's file no longer matches its manifest (the
   * file changed after it was hashed): the server has stopped serving that
   * manifest and forgotten its cached hash; serve the image again
   */
  onSourceChanged?: (imageId: string) => void
}

interface CacheRecord { path: string, size: number, mtimeMs: number, blockSize: number }

export function createSwarmServer (components: SwarmServerComponents, init: SwarmServerInit): ImageServer {
  const dir = join(init.stateDir, 'manifests')
  const served = new Map<string, ImageMeta>()

  /** the encoded manifest for a file, rebuilt only when the file changed */
  const manifestFor = async (imageId: string, path: string, signal?: AbortSignal): Promise<Uint8Array> => {
    const s = await stat(path)
    const blockSize = chooseBlockSize(s.size, init.blockSize ?? DEFAULT_BLOCK_SIZE)
    const record: CacheRecord = { path, size: s.size, mtimeMs: s.mtimeMs, blockSize }
    const recordPath = join(dir, `${imageId}.json`)
    const bytesPath = join(dir, `${imageId}.manifest`)
    const old = await readFile(recordPath, 'utf8').then(t => JSON.parse(t) as CacheRecord).catch(() => undefined)
    if (old != null && JSON.stringify(old) === JSON.stringify(record)) {
      const bytes = await readFile(bytesPath).catch(() => undefined)
      if (bytes != null) return new Uint8Array(bytes)
    }
    const started = Date.now()
    const bytes = encodeManifest(await buildManifest(imageId, path, blockSize, signal))
    components.log(`hashed image ${imageId}`, { bytes: s.size, seconds: (Date.now() - started) / 1000 })
    await mkdir(dir, { recursive: true })
    await atomicWrite(bytesPath, bytes, { mode: 0o644 })
    await atomicWrite(recordPath, JSON.stringify(record), { mode: 0o644 })
    return bytes
  }

  return {
    async serve (imageId, path, signal) {
      const manifestBytes = await manifestFor(imageId, path, signal)
      const manifest = decodeManifest(manifestBytes)
      const manifestId = (await manifestCid(manifestBytes)).toString()
      const current = served.get(imageId)
      if (current?.manifestId === manifestId) return current
      if (current != null) await components.swarm.remove(current.manifestId)
      const signature = await signManifest(components.privateKey, manifestBytes)
      const onCorrupt = (): void => {
        if (served.get(imageId)?.manifestId !== manifestId) return
        components.log.warn(`image ${imageId}: its file ${path} changed after it was hashed: stopped serving manifest ${manifestId}; serving it again`)
        served.delete(imageId)
        void Promise.all([
          components.swarm.remove(manifestId),
          rm(join(dir, `${imageId}.json`), { force: true })
        ]).catch(() => {}).finally(() => { components.onSourceChanged?.(imageId) })
      }
      // every block read is checked against the manifest before it is sent
      components.swarm.add({ manifestId, manifestBytes, signature, store: await openSourceStore(path, manifest, 'always'), superSeed: true, onCorrupt })
      const meta: ImageMeta = {
        imageId,
        manifestId,
        size: manifest.size,
        blockSize: manifest.blockSize,
        sha256: manifest.sha256,
        seeders: [components.self()]
      }
      served.set(imageId, meta)
      return meta
    },
    async unserve (imageId) {
      const current = served.get(imageId)
      if (current == null) return
      served.delete(imageId)
      await components.swarm.remove(current.manifestId)
    }
  }
}

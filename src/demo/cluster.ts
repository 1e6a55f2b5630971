/**
 * A seeder and N peers as separate OS processes on loopback, in one folder.
 * Used by `precache demo`, the multi-process tests and the loopback bench.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateSwarmKey } from '../net/swarm-key.js'
import { writeIdentity } from '../net/identity.js'
import { freePort, startCli, stopAll } from './processes.js'
import type { Child } from './processes.js'
import { readPeerStatus, readSeederStatus } from '../roles/status.js'
import type { PeerStatus, SeederStatus } from '../roles/status.js'

export interface ClusterInit {
  /** working folder (images/, seeder/, peer-N/) */
  dir: string
  /** extra flags for the seeder */
  seederArgs?: string[]
  /** extra flags for every peer */
  peerArgs?: string[]
  /** a packaged `precache` executable to run instead of this program (see scripts/package/build.mjs) */
  executable?: string
}

export interface PeerHandle {
  index: number
  dir: string
  cacheDir: string
  statusFile: string
  child: Child
}

export interface Cluster {
  dir: string
  imagesDir: string
  swarmKey: string
  seederId: string
  seederAddr: string
  seeder?: Child
  peers: PeerHandle[]
  /** starts the seeder (again, after a stop, with the same identity and state); `args` are added for this start only */
  startSeeder: (opts?: { args?: string[] }) => Promise<Child>
  /** starts peer `index` (again, after a kill, with the same folders) */
  startPeer: (index: number, opts?: { swarmKey?: string, args?: string[] }) => Promise<PeerHandle>
  /** a peer's status file (undefined until it is written) */
  peerStatus: (p: PeerHandle) => Promise<PeerStatus | undefined>
  /** the seeder's status file (undefined until it is written) */
  seederStatus: () => Promise<SeederStatus | undefined>
  stop: () => Promise<void>
}

export async function createCluster (init: ClusterInit): Promise<Cluster> {
  const imagesDir = join(init.dir, 'images')
  await mkdir(imagesDir, { recursive: true })
  const swarmKey = join(init.dir, 'swarm.key')
  if (!existsSync(swarmKey)) await writeFile(swarmKey, generateSwarmKey(), { mode: 0o600 })
  const identity = join(init.dir, 'seeder.id')
  const seederId = await writeIdentity(identity)
  const port = await freePort()
  const seederAddr = `/ip4/127.0.0.1/tcp/${port}/p2p/${seederId}`
  const peers = new Map<number, PeerHandle>()

  const cluster: Cluster = {
    dir: init.dir,
    imagesDir,
    swarmKey,
    seederId,
    seederAddr,
    get peers () { return [...peers.values()] },
    async startSeeder (opts = {}) {
      const dir = join(init.dir, 'seeder')
      await mkdir(dir, { recursive: true })
      cluster.seeder = startCli('seeder', [
        'seeder', '--images', imagesDir, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--swarm-key', swarmKey,
        '--identity', identity, '--state-dir', join(dir, 'state'), '--status-file', join(dir, 'status.json'),
        ...(init.seederArgs ?? []), ...(opts.args ?? [])
      ], join(dir, 'log.txt'), init.executable)
      return cluster.seeder
    },
    async startPeer (index, opts = {}) {
      const dir = join(init.dir, `peer-${index}`)
      const cacheDir = join(dir, 'cache')
      const statusFile = join(dir, 'status.json')
      await mkdir(dir, { recursive: true })
      const child = startCli(`peer-${index}`, [
        'peer', '--seeder', seederAddr, '--listen', '/ip4/127.0.0.1/tcp/0', '--swarm-key', opts.swarmKey ?? swarmKey,
        '--cache-dir', cacheDir, '--state-dir', join(dir, 'state'), '--status-file', statusFile,
        ...(init.peerArgs ?? []), ...(opts.args ?? [])
      ], join(dir, 'log.txt'), init.executable)
      const handle = { index, dir, cacheDir, statusFile, child }
      peers.set(index, handle)
      return handle
    },
    peerStatus: async (p) => await readPeerStatus(p.statusFile),
    seederStatus: async () => await readSeederStatus(join(init.dir, 'seeder', 'status.json')),
    async stop () {
      await stopAll([...peers.values()].map(p => p.child).concat(cluster.seeder != null ? [cluster.seeder] : []))
    }
  }
  return cluster
}

/** Seeder status: bytes of block data it has sent (its origin egress) */
export async function seederSentBytes (cluster: Cluster): Promise<number> {
  return (await cluster.seederStatus())?.sentBytes ?? 0
}

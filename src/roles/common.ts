/** Start-up shared by both roles: node identity, swarm key, libp2p node, swarm, status file */
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { InputFileError } from '../errors.js'
import type { Config } from '../config/load.js'
import { requireOption } from '../config/load.js'
import type { Logger } from '../log.js'
import { createNode } from '../net/node.js'
import type { PrecacheNode } from '../net/node.js'
import { readIdentity } from '../net/identity.js'
import { readSwarmKey } from '../net/swarm-key.js'
import { createSwarm } from '../swarm/engine.js'
import type { Swarm } from '../swarm/engine.js'
import type { PrivateKey } from '@libp2p/interface'

export interface RoleBase { node: PrecacheNode, swarm: Swarm, privateKey: PrivateKey }

export async function startBase (config: Config, defaultListen: string, log: Logger): Promise<RoleBase> {
  const swarmKey = await readSwarmKey(requireOption(config, 'DEFAULT', 'swarm_key'))
  const identity: string | undefined = config.DEFAULT.identity
  const privateKey = identity != null ? await readIdentity(identity) : await generateKeyPair('Ed25519')
  if (identity == null) log.warn('no --identity given: using a fresh identity for this run')
  const stateDir: string = config.DEFAULT.state_dir
  await mkdir(stateDir, { recursive: true }).catch((err: any) => {
    throw new InputFileError(`cannot create state folder ${stateDir}: ${err.code ?? err.message}; set --state-dir`)
  })
  const listen: string[] = config.DEFAULT.listen ?? [defaultListen]
  let node: PrecacheNode
  try {
    node = await createNode({ swarmKey, privateKey, listen, announce: config.DEFAULT.announce })
  } catch (err: any) {
    throw new InputFileError(`cannot listen on ${listen.join(', ')}: ${err.message}`)
  }
  const swarm = await createSwarm({ node, log: log.child('swarm') }, {
    requestsPerPeer: config.swarm.requests_per_peer,
    maxNeighbours: config.swarm.max_neighbours,
    uploadRate: config.swarm.upload_rate,
    downloadRate: config.swarm.download_rate,
    maxBlockPeers: config.seeder.max_block_peers
  })
  log(`node ${node.peerId.toString()} listening`, { addrs: node.getMultiaddrs().map(a => a.toString()) })
  return { node, swarm, privateKey }
}

/** Writes a JSON snapshot atomically every second while `snapshot` returns one */
export function startStatusFile (path: string | undefined, snapshot: () => unknown): () => Promise<void> {
  if (path == null) return async () => {}
  let writing: Promise<void> = Promise.resolve()
  const write = (): void => {
    writing = writing.then(async () => {
      await writeFile(path + '.tmp', JSON.stringify(snapshot()))
      await rename(path + '.tmp', path)
    }).catch(() => {})
  }
  const timer = setInterval(write, 1000)
  write()
  return async () => { clearInterval(timer); write(); await writing }
}

/** Runs until SIGINT/SIGTERM, then calls `stop` once */
export async function untilSignalled (stop: () => Promise<void>, log: Logger): Promise<void> {
  await new Promise<void>(resolve => {
    const onSignal = (sig: string): void => {
      log(`received ${sig}, shutting down`)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      resolve()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  await stop()
}

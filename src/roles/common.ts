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
import { peerIdFromString } from '@libp2p/peer-id'
import { createBanList } from '../net/bans.js'
import type { BanList } from '../net/bans.js'
import { createRateLimitedLog } from '../net/refused.js'

export interface RoleBase { node: PrecacheNode, swarm: Swarm, privateKey: PrivateKey, bans: BanList }

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
  const bans = createBanList()
  const refused = createRateLimitedLog(log.child('net'))
  let node: PrecacheNode
  try {
    node = await createNode({
      swarmKey,
      privateKey,
      listen,
      announce: config.DEFAULT.announce,
      bans,
      onRefusedHandshake: (remote, err) => { refused(remote, `refused a connection from ${remote}: its handshake failed (${err.message}); a node with another swarm key?`) }
    })
  } catch (err: any) {
    throw new InputFileError(`cannot listen on ${listen.join(', ')}: ${err.message}`)
  }
  bans.onBan(r => {
    log.warn(`banned peer ${r.peerId} for ${Math.round((r.bannedUntil - Date.now()) / 1000)} s (ban ${r.bans}): ${r.lastReason}`)
    void node.hangUp(peerIdFromString(r.peerId)).catch(() => {})
  })
  const swarm = await createSwarm({ node, log: log.child('swarm'), bans }, {
    requestsPerPeer: config.swarm.requests_per_peer,
    maxNeighbours: config.swarm.max_neighbours,
    uploadRate: config.swarm.upload_rate,
    downloadRate: config.swarm.download_rate
  })
  log(`node ${node.peerId.toString()} listening`, { addrs: node.getMultiaddrs().map(a => a.toString()) })
  return { node, swarm, privateKey, bans }
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

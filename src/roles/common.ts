/** Start-up shared by both roles: node identity, swarm key, libp2p node, swarm, status file */
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { InputFileError, ListenError, errorCode, errorMessage } from '../errors.js'
import type { Config } from '../config/load.js'
import { requireOption } from '../config/load.js'
import type { Logger } from '../log.js'
import { createNode } from '../net/node.js'
import type { PrecacheNode } from '../net/node.js'
import { loadIdentity, warnIfShared } from '../net/identity.js'
import { checkListen } from '../net/listen.js'
import { createRefusedLog } from '../net/refused.js'
import { agentVersion, versionLine, watchVersions } from './version.js'
import { lockStateDir } from './lock.js'
import { userName } from '../util/user.js'
import type { StateLock } from './lock.js'
import { readSwarmKey } from '../net/swarm-key.js'
import { createSwarm } from '../swarm/engine.js'
import type { Swarm } from '../swarm/engine.js'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { createBanList } from '../net/bans.js'
import type { BanList } from '../net/bans.js'

export interface RoleBase { node: PrecacheNode, swarm: Swarm, privateKey: PrivateKey, lock: StateLock, bans: BanList, refusedHandshakes: () => number }

export async function startBase (config: Config, defaultListen: string, log: Logger, role: 'seeder' | 'peer' = 'peer'): Promise<RoleBase> {
  const swarmKeyFile: string = requireOption(config, 'DEFAULT', 'swarm_key')
  const swarmKey = await readSwarmKey(swarmKeyFile)
  warnIfShared(swarmKeyFile, 'swarm key', log)
  const stateDir: string = config.DEFAULT.state_dir
  await mkdir(stateDir, { recursive: true }).catch((err: unknown) => {
    throw new InputFileError(`cannot create state folder ${stateDir} as user ${userName()} (${errorCode(err)}): ` +
      'create it for this user or set --state-dir')
  })
  const lock = lockStateDir(stateDir, role)
  if (lock.tookOver) log.debug('took over a stale state-folder lock (its process is gone)', { path: lock.path })
  const explicit: string | undefined = config.DEFAULT.identity
  const { privateKey, file: identityFile, created } = await loadIdentity(explicit, stateDir)
  if (created) log(`made a new node identity ${identityFile} (keep it: it is this node's peer id)`)
  warnIfShared(identityFile, 'identity', log)
  const listen: string[] = config.DEFAULT.listen ?? [defaultListen]
  await checkListen(listen)
  const bans = createBanList()
  let refusedHandshakes = 0
  let node: PrecacheNode
  try {
    const refusedLog = createRefusedLog(log)
    node = await createNode({
      swarmKey,
      privateKey,
      listen,
      announce: config.DEFAULT.announce,
      agentVersion: agentVersion(),
      bans,
      onInboundHandshakeFailure: (remote, err) => { refusedHandshakes++; refusedLog(remote, err) }
    })
  } catch (err) {
    throw new ListenError(`cannot listen on ${listen.join(', ')}: ${errorMessage(err)}`)
  }
  watchVersions(node, log)
  bans.onBan(r => {
    log.warn(`banned peer ${r.peerId} for ${Math.round((r.bannedUntil - Date.now()) / 1000)} s (ban ${r.bans}): ${r.lastReason}`)
    void node.hangUp(peerIdFromString(r.peerId)).catch(() => {})
  })
  const swarm = await createSwarm({ node, log: log.child('swarm'), bans }, {
    requestsPerPeer: config.swarm.requests_per_peer,
    maxNeighbours: config.swarm.max_neighbours,
    uploadRate: config.swarm.upload_rate,
    downloadRate: config.swarm.download_rate,
    maxBlockPeers: config.seeder.max_block_peers,
    data: { encryption: config.swarm.data_encryption, enabled: config.swarm.data_channel, port: config.swarm.data_port, host: config.swarm.data_host ?? bindHost(listen) }
  })
  log(`node ${node.peerId.toString()} on host ${hostname()} listening, ${versionLine()}`, { peerId: node.peerId.toString(), host: hostname(), addrs: node.getMultiaddrs().map(a => a.toString()) })
  return { node, swarm, privateKey, lock, bans, refusedHandshakes: () => refusedHandshakes }
}

/** The one IP address the libp2p listeners bind, for the bulk channel too; every address otherwise */
function bindHost (listen: string[]): string | undefined {
  const hosts = new Set(listen.map(a => /^\/(ip4|ip6)\/([^/]+)/.exec(a)?.[2] ?? '::'))
  const [only] = hosts
  return hosts.size === 1 && only !== '0.0.0.0' && only !== '::' ? only : undefined
}

/**
 * A node keeps running on SIGHUP (a closed terminal, a service manager's
 * reload): precache reads its configuration only at start. A seeder lists
 * images again at once (the returned setter installs that).
 */
export function ignoreHangup (log: Logger): (reload: () => Promise<unknown>) => void {
  let reload: (() => Promise<unknown>) | undefined
  process.on('SIGHUP', () => {
    if (reload == null) { log('received SIGHUP: ignored (the configuration is read only at start; restart precache to apply changes)'); return }
    log('received SIGHUP: listing images again now (the configuration is read only at start)')
    reload().catch((err: unknown) => { log.warn(`listing after SIGHUP failed: ${errorMessage(err)}`) })
  })
  return r => { reload = r }
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

/** How many times each value occurs */
export function countBy (values: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}

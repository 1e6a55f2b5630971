/**
 * precache as deployed: a seeder in the origin namespace and a peer in each
 * host namespace, all running before the image appears. The clock starts when
 * the seeder announces the image (after hashing it) and stops when each peer
 * has it verified and in place; both instants come from the status files
 * (src/roles/status.ts), never from log lines.
 */
import { linkSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { CLI_ENTRY, NODE_FLAGS } from '../../src/demo/processes.js'
import { generateSwarmKey } from '../../src/net/swarm-key.js'
import { writeIdentity } from '../../src/net/identity.js'
import { ORIGIN_IP, hostIp, hostNs, originNs } from './topology.js'
import { sleep, until } from './run-context.js'
import { readPeerStatusSync, readSeederStatusSync } from '../../src/roles/status.js'
import { imageIdFromName } from '../../src/image/id.js'
import type { Method, RunContext } from './run-context.js'

/** When the seeder announced `image` (ms since the epoch), from its status file */
function announcedAt (statusFile: string, file: string): number | undefined {
  return readSeederStatusSync(statusFile)?.images.find(i => i.imageId === imageIdFromName(file))?.since.announced
}

/** When a peer had `image` verified and in place (ms since the epoch), from its status file */
function cachedAt (statusFile: string, file: string): number | undefined {
  return readPeerStatusSync(statusFile)?.images.find(i => i.imageId === imageIdFromName(file))?.cachedAt
}

/**
 * Once every peer has the image, all precache processes are stopped with
 * SIGTERM, as an operator would, before the hosts' copies are verified: a
 * shutdown must never cost a host its cached image.
 *
 * @param profileDir - when set, every precache process runs with `--cpu-prof`
 * and writes its profile into this folder when it stops
 */
export function precacheMethod (extraSeederArgs: string[] = [], extraPeerArgs: string[] = [], profileDir?: string): Method {
  return async (ctx: RunContext) => {
    const dir = join(ctx.workDir, 'precache')
    const images = join(dir, 'images')
    mkdirSync(images, { recursive: true })
    const key = join(dir, 'swarm.key')
    writeFileSync(key, generateSwarmKey())
    const id = await writeIdentity(join(dir, 'seeder.id'))
    const node = process.execPath
    const flags = profileDir == null ? NODE_FLAGS : [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profileDir}`]
    const procs: ChildProcess[] = []
    const name = basename(ctx.imagePath)
    const seederLog = join(dir, 'seeder.log')
    const seederStatus = join(dir, 'seeder-status.json')
    const log = (f: string): { stdio: ['ignore', number, number] } => {
      const fd = openLog(f)
      return { stdio: ['ignore', fd, fd] }
    }
    procs.push(ctx.topo.spawnIn(originNs, node, [...flags, CLI_ENTRY, 'seeder', '--images', images, '--interval', '1s',
      '--listen', `/ip4/${ORIGIN_IP}/tcp/4001`, '--swarm-key', key, '--identity', join(dir, 'seeder.id'),
      '--state-dir', join(dir, 'seeder-state'), '--status-file', seederStatus, ...extraSeederArgs], log(seederLog)))
    const peerStatus: string[] = []
    for (let i = 0; i < ctx.hosts; i++) {
      const p = join(dir, `peer-${i}`)
      mkdirSync(p, { recursive: true })
      peerStatus.push(join(p, 'status.json'))
      procs.push(ctx.topo.spawnIn(hostNs(i), node, [...flags, CLI_ENTRY, 'peer', '--seeder', `/ip4/${ORIGIN_IP}/tcp/4001/p2p/${id}`,
        '--listen', `/ip4/${hostIp(i)}/tcp/4002`, '--swarm-key', key, '--cache-dir', join(p, 'cache'),
        '--state-dir', join(p, 'state'), '--status-file', peerStatus[i], ...extraPeerArgs], log(join(p, 'log.txt'))))
    }
    // as deployed, peers run long before an image appears: wait until every
    // one has received the seeder's catalogue (announcements reach it; a
    // seeder keeps a connection to only a few peers, so its subscriber count
    // says nothing about the others; on 2 cores, starting 9–41 Node processes
    // at once takes a while), then let the machine go quiet
    await until('every peer to receive the seeder\'s catalogue', () => peerStatus.every(f => hasCatalogue(f, id)), 300_000)
    await sleep(2000)
    const before = ctx.topo.originTxBytes()
    // from the image's arrival on: start-up (module loading, connecting) is not counted
    ctx.markCpu()
    linkSync(ctx.imagePath, join(images, name))
    await until('the seeder to announce the image', () => announcedAt(seederStatus, name) !== undefined, 120_000)
    const t0 = announcedAt(seederStatus, name) as number
    await until('every peer to cache the image', () => peerStatus.every(f => cachedAt(f, name) !== undefined), 30 * 60_000)
    const originEgressBytes = ctx.topo.originTxBytes() - before
    ctx.stopCpu()
    // writing a V8 profile at exit takes seconds per process on a busy machine
    await stopGracefully(procs, profileDir == null ? 15_000 : 120_000)
    return {
      originEgressBytes,
      hosts: peerStatus.map((f, i) => ({ host: i, file: join(dir, `peer-${i}`, 'cache', name), seconds: ((cachedAt(f, name) as number) - t0) / 1000 }))
    }
  }
}

/** SIGTERM, then wait up to `waitMs` for every process to exit */
async function stopGracefully (procs: ChildProcess[], waitMs: number): Promise<void> {
  const exits = procs.filter(p => p.exitCode == null).map(async p => await new Promise(resolve => p.once('exit', resolve)))
  for (const p of procs) { try { p.kill('SIGTERM') } catch {} }
  await Promise.race([Promise.all(exits), sleep(waitMs)])
}

/** whether the peer has received a complete catalogue from the seeder `seederId` */
function hasCatalogue (statusFile: string, seederId: string): boolean {
  const view = readPeerStatusSync(statusFile)?.seeders.find(s => s.peerId === seederId)
  return view != null && view.catalogues > 0 && view.complete
}

function openLog (file: string): number {
  writeFileSync(file, '', { flag: 'a' })
  return openSync(file, 'a')
}

/**
 * A simulated cloud in Linux network namespaces: an origin and N hosts, each
 * with a veth into a bridge (in a namespace of its own), each link shaped
 * with htb on both ends (upload on the host side, download on the bridge side).
 * Addresses are 10.77.0.0/24, used only inside these namespaces. Requires root.
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

/** Namespace names carry the owning process id, so runs never clobber each other */
export const PREFIX = `pcsim${process.pid}`
const OWNED = /^pcsim(\d+)-/
export const ORIGIN_IP = '10.77.0.1'
export const hostIp = (i: number): string => `10.77.0.${10 + i}`
export const originNs = `${PREFIX}-o`
export const hostNs = (i: number): string => `${PREFIX}-h${i}`
const bridgeNs = `${PREFIX}-br`

export interface TopologyInit {
  /** per host rate in Mbit/s (upload = download) */
  hostMbit: number[]
  originMbit: number
}

export interface Topology {
  hosts: number
  /** runs a command inside a namespace */
  spawnIn: (ns: string, cmd: string, args: string[], opts?: SpawnOptions) => ChildProcess
  /** runs a command inside a namespace to its end; resolves with its exit code */
  runIn: (ns: string, cmd: string, args: string[]) => Promise<number | null>
  /** bytes the origin has sent on its link */
  originTxBytes: () => number
  destroy: () => void
}

export class NotRootError extends Error {
  override readonly name = 'NotRootError'
}

function run (args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err: any) { return err.code === 'EPERM' }
}

/** Removes this run's namespaces and those a crashed run (a dead process) left behind */
export function cleanLeftovers (): void {
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0]
    const owner = OWNED.exec(name)?.[1]
    if (owner == null) continue
    if (name.startsWith(`${PREFIX}-`) || !alive(Number(owner))) {
      try { run(['ip', 'netns', 'del', name]) } catch {}
    }
  }
}

function shape (ns: string, dev: string, mbit: number): void {
  run(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10'])
  const burst = Math.max(16_000, Math.round(mbit * 1e6 / 8 / 250)) // ~4 ms of data
  run(['ip', 'netns', 'exec', ns, 'tc', 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb',
    'rate', `${mbit}mbit`, 'ceil', `${mbit}mbit`, 'burst', String(burst), 'cburst', String(burst)])
}

function attach (ns: string, ip: string, brDev: string, mbit: number): void {
  run(['ip', 'netns', 'add', ns])
  run(['ip', 'link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', brDev, 'netns', bridgeNs])
  run(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
  run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up'])
  run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
  run(['ip', '-n', bridgeNs, 'link', 'set', brDev, 'master', 'br0'])
  run(['ip', '-n', bridgeNs, 'link', 'set', brDev, 'up'])
  shape(ns, 'eth0', mbit) // upload
  shape(bridgeNs, brDev, mbit) // download
}

export function createTopology (init: TopologyInit): Topology {
  if (process.getuid?.() !== 0) throw new NotRootError('the network simulator needs root (network namespaces, veth, tc): run it as root')
  cleanLeftovers()
  const children = new Set<ChildProcess>()
  let destroyed = false
  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    for (const c of children) { try { process.kill(-(c.pid as number), 'SIGKILL') } catch {} }
    cleanLeftovers()
  }
  try {
    run(['ip', 'netns', 'add', bridgeNs])
    run(['ip', '-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge'])
    run(['ip', '-n', bridgeNs, 'link', 'set', 'br0', 'up'])
    attach(originNs, ORIGIN_IP, 'o', init.originMbit)
    init.hostMbit.forEach((mbit, i) => { attach(hostNs(i), hostIp(i), `h${i}`, mbit) })
  } catch (err: any) {
    destroy()
    throw new Error(`could not build the namespaces: ${err.stderr?.toString() ?? err.message}`)
  }
  return {
    hosts: init.hostMbit.length,
    spawnIn (ns, cmd, args, opts = {}) {
      const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { detached: true, ...opts })
      children.add(c)
      c.once('exit', () => children.delete(c))
      return c
    },
    async runIn (ns, cmd, args) {
      const c = this.spawnIn(ns, cmd, args, { stdio: 'ignore' })
      return await new Promise(resolve => c.once('exit', resolve))
    },
    originTxBytes () {
      const j = JSON.parse(execFileSync('ip', ['-n', originNs, '-s', '-j', 'link', 'show', 'eth0'], { encoding: 'utf8' }))
      return Number(j[0].stats64.tx.bytes)
    },
    destroy
  }
}

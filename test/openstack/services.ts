/**
 * Starts the real OpenStack services of scripts/openstack/ for a test file on
 * free loopback ports, and stops them again. Missing packages fail loudly.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
/** repo root, from dist/test/openstack */
export const ROOT = resolve(here, '..', '..', '..')
const SCRIPTS = join(ROOT, 'scripts', 'openstack')

async function portFree (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const s = createServer()
    s.once('error', () => { resolve(false) })
    s.listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
  })
}

/** the first of `count` consecutive free loopback ports */
export async function freePorts (count: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const base = 20000 + Math.floor(Math.random() * 40000)
    let ok = true
    for (let p = base; p < base + count && ok; p++) ok = await portFree(p)
    if (ok) return base
  }
  throw new Error('no free loopback ports')
}

async function script (name: string, args: string[]): Promise<Record<string, string>> {
  return await new Promise((resolve, reject) => {
    execFile('bash', [join(SCRIPTS, name), ...args], { timeout: 240_000 }, (err, stdout, stderr) => {
      if (err != null) {
        reject(new Error(`${name} failed (run scripts/openstack/install.sh as root if packages are missing): ${stderr.trim() || err.message}`))
        return
      }
      const vars: Record<string, string> = {}
      for (const line of stdout.split('\n')) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line)
        if (m != null) vars[m[1]] = m[2]
      }
      resolve(vars)
    })
  })
}

export interface Service {
  vars: Record<string, string>
  dir: string
  stop: () => Promise<void>
}

async function start (kind: string, scriptName: string, ports: number, extra: string[] = [], fixedPort?: number): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), `pc-${kind}-`))
  const port = fixedPort ?? await freePorts(ports)
  const vars = await script(scriptName, [dir, String(port), ...extra])
  const pidFile = vars.GLANCE_PID_FILE ?? vars.SWIFT_PID_FILE ?? vars.KEYSTONE_PID_FILE
  return {
    vars,
    dir,
    stop: async () => {
      await script('stop.sh', [pidFile]).catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export async function startGlance (keystone?: { url: string, password: string, port: number }): Promise<Service> {
  return await start('glance', 'start-glance.sh', 1, keystone != null ? [keystone.url, keystone.password] : [], keystone?.port)
}

export async function startKeystone (): Promise<Service> {
  return await start('keystone', 'start-keystone.sh', 1)
}

export async function startSwift (): Promise<Service> {
  return await start('swift', 'start-swift.sh', 5)
}

const temps: string[] = []
/** a temp folder removed by cleanupTemps() */
export async function tempDir (prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix))
  temps.push(d)
  return d
}
export async function cleanupTemps (): Promise<void> {
  await Promise.all(temps.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) }))
}

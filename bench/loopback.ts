/**
 * Loopback throughput: one seeder → one peer (separate processes), a random
 * image (default 1 GiB). Prints MB/s, the peer's and seeder's peak RSS, and
 * CPU seconds per GiB of each (from the peer's start to the verified copy,
 * /proc, all threads), as a line and one JSON line per run.
 *
 *   npm run bench:loopback -- [--size 1GiB] [--repeat 3] [--block-size 1MiB]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createCluster } from '../src/demo/cluster.js'
import { writeRandomImage, sha256File } from '../src/demo/image.js'
import { parseSize } from '../src/config/units.js'
import { cpuSeconds } from './proc.js'

async function procStat (pid: number): Promise<{ hwmKiB: number, cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const cpu = cpuSeconds(pid)
  return { hwmKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0), cpuSeconds: cpu.userSeconds + cpu.systemSeconds }
}

async function once (size: number, blockSize: string | undefined, args: string[]): Promise<Record<string, number | boolean>> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-bench-'))
  const c = await createCluster({ dir, seederArgs: [...(blockSize != null ? ['--block-size', blockSize] : []), ...args], peerArgs: args })
  try {
    const sha = await writeRandomImage(join(c.imagesDir, 'bench.img'), size)
    const seeder = await c.startSeeder()
    // wait until the seeder has hashed the image and announces it
    for (;;) {
      const s = await c.seederStatus()
      if (s?.images.some(i => i.state === 'announced') === true) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const started = process.hrtime.bigint()
    const seederCpuBefore = (await procStat(seeder.proc.pid as number)).cpuSeconds
    const peer = await c.startPeer(1)
    let seconds = 0
    for (;;) {
      const s = await c.peerStatus(peer)
      const img = s?.images[0]
      if (img?.state === 'placed') { seconds = Number(process.hrtime.bigint() - started) / 1e9; break }
      if (peer.child.proc.exitCode != null) throw new Error(`peer exited; log ${peer.child.logFile}`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    const p = await procStat(peer.child.proc.pid as number)
    const s = await procStat(seeder.proc.pid as number)
    const verified = await sha256File(join(peer.cacheDir, 'bench.img')) === sha
    const gib = size / 1024 ** 3
    const seederCpu = s.cpuSeconds - seederCpuBefore
    return {
      sizeBytes: size,
      seconds,
      MBps: size / 1e6 / seconds,
      peerPeakRssMB: p.hwmKiB / 1024,
      seederPeakRssMB: s.hwmKiB / 1024,
      // the peer's CPU includes its start-up (≈0.5 CPU-s): it is started when the timer starts
      peerCpuSeconds: p.cpuSeconds,
      seederCpuSeconds: seederCpu,
      receiverCpuSecondsPerGiB: p.cpuSeconds / gib,
      senderCpuSecondsPerGiB: seederCpu / gib,
      cpuSecondsPerGiB: (p.cpuSeconds + seederCpu) / gib,
      receivedBulkBytes: (await c.peerStatus(peer))?.images[0]?.receivedBulkBytes ?? 0,
      verified,
      load1: loadavg()[0]
    }
  } finally {
    await c.stop()
    if (process.env.PRECACHE_BENCH_KEEP == null) await rm(dir, { recursive: true, force: true }); else process.stderr.write(`kept ${dir}\n`)
  }
}

const { values } = parseArgs({ options: { size: { type: 'string', default: '1GiB' }, repeat: { type: 'string', default: '1' }, 'block-size': { type: 'string' }, 'data-encryption': { type: 'string' }, 'data-channel': { type: 'string' } } })
// --data-encryption none|tls, --data-channel false (every block over libp2p): passed to both nodes
const nodeArgs = [
  ...(values['data-encryption'] != null ? ['--data-encryption', values['data-encryption']] : []),
  ...(values['data-channel'] != null ? ['--data-channel', values['data-channel']] : [])
]
const size = parseSize(values.size as string)
for (let i = 0; i < Number(values.repeat); i++) {
  const r = await once(size, values['block-size'], nodeArgs)
  const f = (k: string, d = 0): string => (r[k] as number).toFixed(d)
  process.stderr.write(`run ${i + 1}: ${f('MBps')} MB/s, ${f('seconds', 2)} s, CPU-s per GiB: receiver ${f('receiverCpuSecondsPerGiB', 2)} + sender ${f('senderCpuSecondsPerGiB', 2)} = ${f('cpuSecondsPerGiB', 2)}, peer peak RSS ${f('peerPeakRssMB')} MB, seeder peak RSS ${f('seederPeakRssMB')} MB, ${f('receivedBulkBytes')} bytes over the bulk channel, verified ${String(r.verified)}, load ${f('load1', 1)}\n`)
  process.stdout.write(JSON.stringify({ bench: 'loopback', ...r }) + '\n')
}

/**
 * Loopback throughput: one seeder → one peer (separate processes), a random
 * image (default 1 GiB). Prints MB/s, the peer's and seeder's peak RSS, and
 * CPU seconds, as a table and one JSON line.
 *
 *   npm run bench:loopback -- [--size 1GiB] [--repeat 3] [--block-size 1MiB]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
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

async function once (size: number, blockSize?: string): Promise<Record<string, number | boolean>> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-bench-'))
  const c = await createCluster({ dir, seederArgs: blockSize != null ? ['--block-size', blockSize] : [] })
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
    const peer = await c.startPeer(1)
    let seconds = 0
    for (;;) {
      const s = await c.peerStatus(peer)
      const img = s?.images[0]
      if (img?.state === 'cached') { seconds = Number(process.hrtime.bigint() - started) / 1e9; break }
      if (peer.child.proc.exitCode != null) throw new Error(`peer exited; log ${peer.child.logFile}`)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    const p = await procStat(peer.child.proc.pid as number)
    const s = await procStat(seeder.proc.pid as number)
    const verified = await sha256File(join(peer.cacheDir, 'bench.img')) === sha
    return { sizeBytes: size, seconds, MBps: size / 1e6 / seconds, peerPeakRssMB: p.hwmKiB / 1024, seederPeakRssMB: s.hwmKiB / 1024, peerCpuSeconds: p.cpuSeconds, seederCpuSeconds: s.cpuSeconds, verified }
  } finally {
    await c.stop()
    if (process.env.PRECACHE_BENCH_KEEP == null) await rm(dir, { recursive: true, force: true }); else process.stderr.write(`kept ${dir}\n`)
  }
}

const { values } = parseArgs({ options: { size: { type: 'string', default: '1GiB' }, repeat: { type: 'string', default: '1' }, 'block-size': { type: 'string' } } })
const size = parseSize(values.size as string)
for (let i = 0; i < Number(values.repeat); i++) {
  const r = await once(size, values['block-size'])
  process.stderr.write(`run ${i + 1}: ${(r.MBps as number).toFixed(0)} MB/s, ${(r.seconds as number).toFixed(2)} s, peer peak RSS ${(r.peerPeakRssMB as number).toFixed(0)} MB, seeder peak RSS ${(r.seederPeakRssMB as number).toFixed(0)} MB, CPU peer ${r.peerCpuSeconds} s seeder ${r.seederCpuSeconds} s, verified ${String(r.verified)}\n`)
  process.stdout.write(JSON.stringify({ bench: 'loopback', ...r }) + '\n')
}

/** Baseline: every host downloads straight from nginx on the origin (what Nova does today) */
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ORIGIN_IP, originNs } from './topology.js'
import { readEpochMs, sleep, startHostsTogether } from './run-context.js'
import type { Method, RunContext } from './run-context.js'

export const httpMethod: Method = async (ctx: RunContext) => {
  const dir = join(ctx.workDir, 'http')
  mkdirSync(dir, { recursive: true })
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  server { listen ${ORIGIN_IP}:8080; root ${dirname(ctx.imagePath)}; }
}
`)
  const nginx = ctx.topo.spawnIn(originNs, 'nginx', ['-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' })
  try {
    const url = `http://${ORIGIN_IP}:8080/${basename(ctx.imagePath)}`
    // wait until nginx answers
    for (let tries = 0; await ctx.topo.runIn(originNs, 'curl', ['-sf', '-o', '/dev/null', '-r', '0-0', url]) !== 0; tries++) {
      if (tries > 100) throw new Error(`nginx did not start: see ${dir}/error.log`)
      await sleep(100)
    }
    const hosts = Array.from({ length: ctx.hosts }, (_, i) => ({ out: join(dir, `host-${i}.img`), end: join(dir, `host-${i}.end`) }))
    const { t0, before, procs } = await startHostsTogether(ctx, dir, i => `curl -sf -o ${hosts[i].out} ${url} && date +%s.%N > ${hosts[i].end}`)
    await Promise.all(procs.map(async p => { if (p.exitCode == null) await new Promise(resolve => p.once('exit', resolve)) }))
    const originEgressBytes = ctx.topo.originTxBytes() - before
    ctx.stopCpu()
    return {
      originEgressBytes,
      hosts: hosts.map((h, i) => ({ host: i, file: h.out, seconds: ((readEpochMs(h.end) ?? NaN) - t0) / 1000 }))
    }
  } finally {
    nginx.kill('SIGKILL')
  }
}

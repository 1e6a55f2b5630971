/**
 * Baseline: BitTorrent with aria2c on every host, opentracker and an aria2c
 * seeder on the origin, 256 KiB pieces.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, linkSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ORIGIN_IP, originNs } from './topology.js'
import { readEpochMs, sleep, startHostsTogether } from './run-context.js'
import type { Method, RunContext } from './run-context.js'

const COMMON = ['--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=true',
  '--seed-ratio=0.0', '--seed-time=100000', '--show-console-readout=false', '--summary-interval=0',
  '--bt-tracker-interval=1', '--file-allocation=none', '--allow-overwrite=true', '--auto-file-renaming=false',
  '--max-overall-upload-limit=0', '--bt-max-peers=55', '--console-log-level=warn']

export const bittorrentMethod: Method = async (ctx: RunContext) => {
  const dir = join(ctx.workDir, 'bittorrent')
  const trackerDir = join(dir, 'tracker')
  mkdirSync(trackerDir, { recursive: true })
  chmodSync(dir, 0o755)
  chmodSync(trackerDir, 0o755)
  const name = basename(ctx.imagePath)
  const seedDir = join(dir, 'seed')
  mkdirSync(seedDir, { recursive: true })
  linkSync(ctx.imagePath, join(seedDir, name))
  const torrent = join(dir, 'image.torrent')
  execFileSync('mktorrent', ['-l', '18', '-a', `http://${ORIGIN_IP}:6969/announce`, '-o', torrent, join(seedDir, name)], { stdio: 'ignore' })
  chmodSync(torrent, 0o644)
  const info = execFileSync('aria2c', ['-S', torrent], { encoding: 'utf8' })
  const hash = /Info Hash: ([0-9a-f]{40})/.exec(info)?.[1]
  if (hash == null) throw new Error('could not read the torrent info hash')
  writeFileSync(join(trackerDir, 'whitelist'), hash + '\n', { mode: 0o644 })
  const log = (f: string): { stdio: ['ignore', number, number] } => { const fd = openSync(join(dir, f), 'a'); return { stdio: ['ignore', fd, fd] } }
  ctx.topo.spawnIn(originNs, 'opentracker', ['-i', ORIGIN_IP, '-p', '6969', '-P', '6969', '-d', trackerDir, '-w', 'whitelist'], log('tracker.log'))
  await sleep(500)
  ctx.topo.spawnIn(originNs, 'aria2c', [...COMMON, '--dir', seedDir, '--bt-seed-unverified=true', '--check-integrity=false',
    `--index-out=1=${name}`, '--listen-port=6881', torrent], log('seeder.log'))
  await sleep(2000)
  const hosts = Array.from({ length: ctx.hosts }, (_, i) => {
    const hdir = join(dir, `host-${i}`)
    mkdirSync(hdir, { recursive: true })
    const end = join(hdir, 'end')
    const hook = join(hdir, 'done.sh')
    writeFileSync(hook, `#!/bin/sh\ndate +%s.%N > ${end}\n`, { mode: 0o755 })
    return { hdir, end, hook, file: join(hdir, name) }
  })
  const { t0, before } = await startHostsTogether(ctx, dir,
    i => `exec aria2c ${COMMON.join(' ')} --dir ${hosts[i].hdir} --index-out=1=${name} --listen-port=6881 --on-bt-download-complete=${hosts[i].hook} ${torrent}`,
    i => log(`host-${i}.log`))
  const deadline = Date.now() + 30 * 60_000
  while (hosts.some(h => readEpochMs(h.end) === undefined)) {
    if (Date.now() > deadline) throw new Error(`bittorrent did not finish: see ${dir}`)
    await sleep(100)
  }
  const originEgressBytes = ctx.topo.originTxBytes() - before
  ctx.stopCpu()
  return { originEgressBytes, hosts: hosts.map((h, i) => ({ host: i, file: h.file, seconds: ((readEpochMs(h.end) as number) - t0) / 1000 })) }
}

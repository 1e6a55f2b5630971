import { Command, Option } from 'commander'
import { parseSize, parseDuration, formatBytes } from '../config/units.js'
import { ConfigError } from '../errors.js'
import { runDemo } from '../demo/run.js'
import type { DemoResult } from '../demo/run.js'

function table (r: DemoResult): string {
  const lines = ['peer      seconds  received     sent         verified']
  for (const p of r.perPeer) {
    lines.push(`${p.peer.padEnd(9)} ${p.seconds.toFixed(2).padStart(7)}  ${formatBytes(p.receivedBytes).padEnd(12)} ${formatBytes(p.sentBytes).padEnd(12)} ${p.verified ? 'yes' : 'NO'}`)
  }
  lines.push(`${r.peers} peers got ${formatBytes(r.sizeBytes)} in ${r.seconds.toFixed(2)} s; origin egress ${formatBytes(r.originEgressBytes)} = ${r.originEgressRatio.toFixed(2)}× the image; ${r.allVerified ? 'all verified' : 'VERIFICATION FAILED'}`)
  return lines.join('\n') + '\n'
}

export function demoCommand (): Command {
  return new Command('demo')
    .summary('the embedded default: one seeder and N peers on loopback with a random image')
    .description('The embedded default: make a random image, start one seeder and N peers as separate processes on loopback, show live progress, verify every copy, and report the seeder\'s egress. Cleans up after itself.')
    .addOption(new Option('--peers <n>', 'number of peer processes').default('4'))
    .addOption(new Option('--size <size>', 'image size, e.g. 64MiB, 1GiB').default('64MiB'))
    .option('--block-size <size>', 'block size (default 1MiB)')
    .addOption(new Option('--timeout <duration>', 'give up after this long').default('5m'))
    .option('--json', 'print the result as one JSON line on stdout (the table goes to stderr)')
    .option('--keep', 'keep the temporary folder (logs, caches) afterwards')
    .addHelpText('after', '\nExample:\n  precache demo --peers 3 --size 32MiB --json')
    .action(async (o: { peers: string, size: string, blockSize?: string, timeout: string, json?: boolean, keep?: boolean }) => {
      const peers = Number(o.peers)
      if (!Number.isInteger(peers) || peers < 1 || peers > 64) throw new ConfigError(`--peers ${o.peers}: use a whole number from 1 to 64`)
      const size = parseSize(o.size, '--size')
      if (size < 1) throw new ConfigError('--size must be at least 1 byte')
      const controller = new AbortController()
      const onSignal = (): void => { controller.abort() }
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        const result = await runDemo({
          peers,
          size,
          blockSize: o.blockSize != null ? parseSize(o.blockSize, '--block-size') : undefined,
          timeoutMs: parseDuration(o.timeout, '--timeout'),
          keep: o.keep === true
        }, process.stderr, controller.signal)
        // with --json, stdout carries only the JSON line (the table goes to stderr)
        if (o.json === true) {
          process.stderr.write(table(result))
          process.stdout.write(JSON.stringify(result) + '\n')
        } else {
          process.stdout.write(table(result))
        }
        if (!result.allVerified) process.exitCode = 1
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}

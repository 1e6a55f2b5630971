#!/usr/bin/env node
import '../util/polyfill.js'
import '../backends.js'
import { Command } from 'commander'
import { exitWithError } from './fatal.js'
import { versionLine } from '../roles/version.js'
import { seederCommand } from './seeder.js'
import { peerCommand } from './peer.js'
import { keygenCommand } from './keygen.js'
import { demoCommand } from './demo.js'
import { listCommand } from './list.js'
import { refreshCommand, statusCommand } from './status.js'
import { configReference } from '../config/reference.js'

const program = new Command('precache')
  .description('Pre-cache VM images on every compute host, peer-to-peer.\n\n' +
    'Run `precache seeder` on a controller and `precache peer` on each compute host.\n' +
    'Try `precache demo` for a local run with one seeder and four peers.')
  .option('-c, --config <path>', 'INI config file for seeder, peer, list, status and refresh (default /etc/precache/precache.conf when it exists)')
  .version(versionLine(), '-V, --version', 'print the release and the wire-protocol version')
  .addHelpText('after', `
Configuration: every option of seeder, peer, list, status and refresh can also be set in the INI file
  given with --config <path> (before or after the command); flags override the file.
  \`precache <command> --help\` lists the options, each with its [section] key.

Examples:
  precache keygen --swarm-key ~/precache/swarm.key
  precache seeder --images ~/precache/images --swarm-key ~/precache/swarm.key --state-dir ~/precache/seeder \\
    --listen /ip4/0.0.0.0/tcp/4001 --announce /ip4/10.0.0.5/tcp/4001
  precache peer --seeder /ip4/10.0.0.5/tcp/4001/p2p/<seeder peer id> --swarm-key ~/precache/swarm.key \\
    --cache-dir ~/precache/cache --state-dir ~/precache/peer --listen /ip4/0.0.0.0/tcp/4002 --announce /ip4/10.0.0.21/tcp/4002
  precache --config /etc/precache/precache.conf peer     (the same, from a file)
  precache demo`)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

for (const make of [seederCommand, peerCommand, listCommand, statusCommand, refreshCommand, keygenCommand, demoCommand]) {
  program.addCommand(make().exitOverride())
}

program.addCommand(new Command('config-reference')
  .description('Print the configuration reference (every option, its flag and default) as markdown')
  .action(() => { process.stdout.write(configReference()) }), { hidden: true })

// No top-level await: the packaged single executable runs this file bundled as CommonJS
program.parseAsync(process.argv).catch((err: unknown) => { exitWithError(err) })

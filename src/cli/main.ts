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
import { configReference } from '../config/reference.js'

const program = new Command('precache')
  .description('Pre-cache VM images on every compute host, peer-to-peer.\n\n' +
    'Run `precache seeder` on a controller and `precache peer` on each compute host.\n' +
    'Try `precache demo` for a local run with one seeder and four peers.')
  .version(versionLine(), '-V, --version', 'print the release and the wire-protocol version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

for (const make of [seederCommand, peerCommand, listCommand, keygenCommand, demoCommand]) {
  program.addCommand(make().exitOverride())
}

program.addCommand(new Command('config-reference')
  .description('Print the configuration reference (every option, its flag and default) as markdown')
  .action(() => { process.stdout.write(configReference()) }), { hidden: true })

// No top-level await: the packaged single executable runs this file bundled as CommonJS
program.parseAsync(process.argv).catch((err: unknown) => { exitWithError(err) })

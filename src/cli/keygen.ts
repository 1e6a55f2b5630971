import { Command } from 'commander'
import { existsSync } from 'node:fs'
import { InputFileError, errorCode } from '../errors.js'
import { generateSwarmKey } from '../net/swarm-key.js'
import { writeIdentity } from '../net/identity.js'
import { atomicWrite } from '../util/atomic-write.js'

export function keygenCommand (): Command {
  return new Command('keygen')
    .summary('make a swarm key and/or a node identity')
    .description('Make a swarm key (shared by every node of one cloud) and/or a node identity (one per node; the seeder\'s peer id, printed here, is what peers trust; without one a node makes its own in its state folder). Existing files are never overwritten.')
    .addHelpText('after', '\nExamples:\n  precache keygen --swarm-key ~/precache/swarm.key     # once per cloud: copy it to every node\n' +
      '  precache keygen --identity ~/precache/seeder.id      # optional: know the seeder\'s peer id before it starts')
    .option('--swarm-key <path>', 'write a new swarm key here')
    .option('--identity <path>', 'write a new node identity here and print its peer id')
    .action(async (opts: { swarmKey?: string, identity?: string }) => {
      if (opts.swarmKey == null && opts.identity == null) {
        throw new InputFileError('nothing to do: give --swarm-key FILE and/or --identity FILE')
      }
      for (const f of [opts.swarmKey, opts.identity]) {
        if (f != null && existsSync(f)) throw new InputFileError(`${f} already exists: refusing to overwrite it (remove it first if you really want a new one)`)
      }
      if (opts.swarmKey != null) {
        await atomicWrite(opts.swarmKey, generateSwarmKey(), { mode: 0o600 }).catch((err: unknown) => {
          throw new InputFileError(`cannot write ${opts.swarmKey}: ${errorCode(err)}`)
        })
        process.stderr.write(`wrote swarm key ${opts.swarmKey}: copy it to every node\n`)
      }
      if (opts.identity != null) {
        const id = await writeIdentity(opts.identity).catch((err: unknown) => {
          throw new InputFileError(`cannot write ${opts.identity}: ${errorCode(err)}`)
        })
        process.stdout.write(id + '\n')
      }
    })
}

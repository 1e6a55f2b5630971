import { Command } from 'commander'
import { addSchemaOptions, configFromCommand } from './options.js'
import { createLogger, setLogFormat } from '../log.js'
import { startSeeder } from '../roles/seeder.js'
import { untilSignalled } from '../roles/common.js'

export function seederCommand (): Command {
  const cmd = new Command('seeder')
    .summary('run on a controller: list, fetch, serve and distribute images')
    .description('Run on a controller: list images, fetch them, cut them into signed blocks and seed them to every peer. Example: precache seeder --images /srv/images --swarm-key /etc/precache/swarm.key --identity /etc/precache/seeder.id')
  addSchemaOptions(cmd, 'seeder')
  cmd.action(async () => {
    const config = configFromCommand(cmd, 'seeder')
    setLogFormat(config.DEFAULT.log_format)
    const log = createLogger('seeder')
    const seeder = await startSeeder(config, log)
    for (const a of seeder.addrs) log(`peers can use --seeder ${a}/p2p/${seeder.peerId}`)
    await untilSignalled(seeder.stop, log)
  })
  return cmd
}

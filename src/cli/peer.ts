import { Command } from 'commander'
import { addSchemaOptions, configFromCommand } from './options.js'
import { createLogger, setLogFormat } from '../log.js'
import { startPeer } from '../roles/peer.js'
import { untilSignalled } from '../roles/common.js'

export function peerCommand (): Command {
  const cmd = new Command('peer')
    .summary('run on each compute host: fetch announced images and put them in place')
    .description('Run on each compute host: follow the seeder\'s announcements, fetch image blocks from neighbours and the seeder, verify them, and place each image where the virt driver looks for it. Example: precache peer --seeder /ip4/10.0.0.5/tcp/4001/p2p/12D3Koo… --cache-dir /var/cache/precache --swarm-key /etc/precache/swarm.key')
  addSchemaOptions(cmd, 'peer')
  cmd.action(async () => {
    const config = configFromCommand(cmd, 'peer')
    setLogFormat(config.DEFAULT.log_format)
    const log = createLogger('peer')
    const peer = await startPeer(config, log)
    await untilSignalled(peer.stop, log)
  })
  return cmd
}

import type { Command } from 'commander'
import { startSeeder } from '../roles/seeder.js'
import { roleCommand } from './role.js'

export function seederCommand (): Command {
  return roleCommand('seeder', 'run on a controller: list, fetch, serve and distribute images',
    'Run on a controller: list images, fetch them, cut them into signed blocks and seed them to every peer. ' +
    'Example: precache seeder --images /srv/images --swarm-key /etc/precache/swarm.key --identity /etc/precache/seeder.id',
    async (config, log) => {
      const seeder = await startSeeder(config, log)
      for (const a of seeder.addrs) log(`peers can use --seeder ${a}/p2p/${seeder.peerId}`)
      return seeder
    })
}

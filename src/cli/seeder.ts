import type { Command } from 'commander'
import { startSeeder } from '../roles/seeder.js'
import { roleCommand } from './role.js'

/**
 * The addresses to suggest for `--seeder`: the announce addresses when set,
 * else the listen addresses without loopback ones (unless there is nothing else)
 */
export function suggestedSeederAddrs (addrs: string[], announce: string[] | undefined): string[] {
  if (announce != null && announce.length > 0) return announce
  const remote = addrs.filter(a => !/^\/ip4\/127\.|^\/ip6\/::1\//.test(a))
  return remote.length > 0 ? remote : addrs
}

export function seederCommand (): Command {
  return roleCommand('seeder', 'run on a controller: list, fetch, serve and distribute images',
    'Run on a controller: list images, fetch them, cut them into signed blocks and seed them to every peer.\n\n' +
    'Example (a folder of images; the identity is made in the state folder at first start):\n' +
    '  precache seeder --images /srv/precache/images --swarm-key /etc/precache/swarm.key \\\n' +
    '    --listen /ip4/0.0.0.0/tcp/4001 --announce /ip4/10.0.0.5/tcp/4001 --state-dir /var/lib/precache',
    async (config, log) => {
      const seeder = await startSeeder(config, log)
      const announce: string[] | undefined = config.DEFAULT.announce
      for (const a of suggestedSeederAddrs(seeder.addrs, announce)) log(`peers can use --seeder ${a.replace(/\/p2p\/[^/]+$/, '')}/p2p/${seeder.peerId}`)
      if (announce == null || announce.length === 0) log('(no --announce given: if compute hosts reach this node at another address, set --announce to it)')
      return seeder
    })
}

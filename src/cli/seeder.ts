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
    'Example (every file in a folder is an image; the identity is made in the state folder at first start; no root needed):\n' +
    '  precache keygen --swarm-key ~/precache/swarm.key\n' +
    '  precache seeder --images ~/precache/images --swarm-key ~/precache/swarm.key --state-dir ~/precache/seeder \\\n' +
    '    --listen /ip4/0.0.0.0/tcp/4001 --announce /ip4/10.0.0.5/tcp/4001\n' +
    'With Glance: --lister glance --fetcher glance --os-cloud mycloud --glance-tag precache.',
    async (config, log) => {
      const seeder = await startSeeder(config, log)
      const announce: string[] | undefined = config.DEFAULT.announce
      for (const a of suggestedSeederAddrs(seeder.addrs, announce)) log(`peers can use --seeder ${a.replace(/\/p2p\/[^/]+$/, '')}/p2p/${seeder.peerId}`)
      if (announce == null || announce.length === 0) log('(no --announce given: if compute hosts reach this node at another address, set --announce to it)')
      return seeder
    })
}

import type { Command } from 'commander'
import { startPeer } from '../roles/peer.js'
import { roleCommand } from './role.js'

export function peerCommand (): Command {
  return roleCommand('peer', 'run on each compute host: fetch announced images and put them in place',
    'Run on each compute host: follow the seeder\'s announcements, fetch image blocks from neighbours and the seeder, ' +
    'verify them, and place each image where the virt driver looks for it.\n\n' +
    'Example (the seeder printed its --seeder line at start; the swarm key is a copy of the seeder\'s; no root needed):\n' +
    '  precache peer --seeder /ip4/10.0.0.5/tcp/4001/p2p/12D3KooW… --swarm-key ~/precache/swarm.key \\\n' +
    '    --cache-dir ~/precache/cache --state-dir ~/precache/peer --listen /ip4/0.0.0.0/tcp/4002 --announce /ip4/10.0.0.21/tcp/4002\n' +
    'On a compute host with Nova: --cache-driver nova --instances-path /var/lib/nova/instances (run as the nova user).',
    startPeer)
}

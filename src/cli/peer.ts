import type { Command } from 'commander'
import { startPeer } from '../roles/peer.js'
import { roleCommand } from './role.js'

export function peerCommand (): Command {
  return roleCommand('peer', 'run on each compute host: fetch announced images and put them in place',
    'Run on each compute host: follow the seeder\'s announcements, fetch image blocks from neighbours and the seeder, ' +
    'verify them, and place each image where the virt driver looks for it. ' +
    'Example: precache peer --seeder /ip4/10.0.0.5/tcp/4001/p2p/12D3Koo… --cache-dir /var/cache/precache --swarm-key /etc/precache/swarm.key',
    startPeer)
}

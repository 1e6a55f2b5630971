/**
 * The one configuration schema: every option, its INI section and key, its
 * command-line flag, its type, its default and its documentation. The INI
 * loader, the CLI and the README's reference are all derived from it.
 */

export type OptionType = 'string' | 'path' | 'int' | 'size' | 'duration' | 'rate' | 'bool' | 'list'
export type CommandName = 'seeder' | 'peer' | 'list'

export interface OptionSpec {
  /** INI section: DEFAULT, swarm, seeder, peer, cache, glance, swift, http, openstack */
  section: string
  /** INI key (snake_case) */
  key: string
  type: OptionType
  /** textual default, parsed like any input; absent means "not set" */
  default?: string
  /** long command-line flag without the dashes */
  flag?: string
  /** commands that use the option (and accept its flag) */
  commands: CommandName[]
  /** smallest and largest accepted value (int, size, duration, rate) */
  min?: number
  max?: number
  doc: string
}

const ROLES: CommandName[] = ['seeder', 'peer']
const SEEDING: CommandName[] = ['seeder', 'list']

export const OPTIONS: OptionSpec[] = [
  // [DEFAULT]
  { section: 'DEFAULT', key: 'swarm_key', type: 'path', flag: 'swarm-key', commands: ROLES, doc: 'Swarm key file (libp2p private network PSK, made by `precache keygen`). Only nodes holding the same key can connect. Required.' },
  { section: 'DEFAULT', key: 'identity', type: 'path', flag: 'identity', commands: ROLES, doc: 'Node identity (private key) file made by `precache keygen`. A seeder needs a stable identity so peers can trust it; without this option a fresh identity is made at every start.' },
  { section: 'DEFAULT', key: 'listen', type: 'list', flag: 'listen', commands: ROLES, doc: 'Multiaddrs to listen on. Seeder default /ip4/0.0.0.0/tcp/4001, peer default /ip4/0.0.0.0/tcp/4002.' },
  { section: 'DEFAULT', key: 'announce', type: 'list', flag: 'announce', commands: ROLES, doc: 'Multiaddrs to tell other nodes instead of the listen addresses (for NAT or 0.0.0.0 listeners).' },
  { section: 'DEFAULT', key: 'state_dir', type: 'path', default: '/var/lib/precache', flag: 'state-dir', commands: ROLES, doc: 'Folder for the node\'s own state: served manifests on a seeder, partial downloads and their progress on a peer.' },
  { section: 'DEFAULT', key: 'topic', type: 'string', default: 'compute', flag: 'topic', commands: ROLES, doc: 'Gossipsub topic for cache(imageId, meta) announcements.' },
  { section: 'DEFAULT', key: 'log_format', type: 'string', default: 'text', flag: 'log-format', commands: ROLES, doc: 'Log format: text (one line per event) or json (one JSON object per line).' },
  { section: 'DEFAULT', key: 'status_file', type: 'path', flag: 'status-file', commands: ROLES, doc: 'Write a JSON status snapshot (progress, bytes sent and received) to this file every second.' },

  // [swarm]
  { section: 'swarm', key: 'block_size', type: 'size', default: '1MiB', flag: 'block-size', commands: ['seeder'], min: 16 * 1024, max: 16 * 1024 * 1024, doc: 'Block size the seeder cuts images into (16KiB to 16MiB; doubled automatically for images of more than 2^20 blocks).' },
  { section: 'swarm', key: 'requests_per_peer', type: 'int', default: '8', flag: 'requests-per-peer', commands: ROLES, min: 1, max: 256, doc: 'Most block requests kept in flight to one neighbour; a node\'s 16 requests in flight are shared by its neighbours up to this many each.' },
  { section: 'swarm', key: 'max_neighbours', type: 'int', default: '16', flag: 'max-neighbours', commands: ROLES, min: 1, max: 1000, doc: 'Peers a node exchanges blocks with at once.' },
  { section: 'swarm', key: 'upload_rate', type: 'rate', default: '0', flag: 'upload-rate', commands: ROLES, doc: 'Upload limit for block data, e.g. 100mbit or 50MiB/s (0 = unlimited).' },
  { section: 'swarm', key: 'download_rate', type: 'rate', default: '0', flag: 'download-rate', commands: ['peer'], doc: 'Download limit for block data (0 = unlimited).' },

  // [seeder]
  { section: 'seeder', key: 'lister', type: 'string', default: 'directory', flag: 'lister', commands: SEEDING, doc: 'Which images to pre-cache: directory (every file in --images) or glance.' },
  { section: 'seeder', key: 'fetcher', type: 'string', default: 'file', flag: 'fetcher', commands: ['seeder'], doc: 'How to bring an image to the seeder: file, glance, swift or http.' },
  { section: 'seeder', key: 'images_dir', type: 'path', flag: 'images', commands: SEEDING, doc: 'Folder of images for the directory lister: every regular file is an image, its id derived from its name.' },
  { section: 'seeder', key: 'interval', type: 'duration', default: '10m', flag: 'interval', commands: ['seeder'], min: 1000, doc: 'How often to run List → Fetch → Serve → Distribute.' },
  { section: 'seeder', key: 'announce_interval', type: 'duration', default: '30s', flag: 'announce-interval', commands: ['seeder'], min: 1000, doc: 'How often to re-announce the whole catalogue on the topic.' },

  // [peer]
  { section: 'peer', key: 'seeders', type: 'list', flag: 'seeder', commands: ['peer'], doc: 'Multiaddr of a seeder, ending in /p2p/<peer id> (repeat the flag, or comma-separate in the file). Required.' },
  { section: 'peer', key: 'trusted_seeders', type: 'list', flag: 'trust', commands: ['peer'], doc: 'Peer ids whose announcements and manifests are accepted. Default: the peer ids in --seeder.' },
  { section: 'peer', key: 'cache_driver', type: 'string', default: 'directory', flag: 'cache-driver', commands: ['peer'], doc: 'Where verified images go: directory (a plain folder) or nova (libvirt _base).' },

  // [cache]
  { section: 'cache', key: 'dir', type: 'path', flag: 'cache-dir', commands: ['peer'], doc: 'Folder of the directory cache driver: images are placed as <dir>/<image id>.' }
]

/** Finds the spec for an INI section/key */
export function findOption (section: string, key: string): OptionSpec | undefined {
  return OPTIONS.find(o => o.section === section && o.key === key)
}

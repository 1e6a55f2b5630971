/**
 * The one configuration schema: every option, its INI section and key, its
 * command-line flag, its type, its default and its documentation. The INI
 * loader, the CLI and the README's reference are all derived from it.
 */

export type OptionType = 'string' | 'path' | 'int' | 'size' | 'duration' | 'rate' | 'bool' | 'list'
export type CommandName = 'seeder' | 'peer' | 'list' | 'status' | 'refresh'

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
  commands: readonly CommandName[]
  /** smallest and largest accepted value (int, size, duration, rate) */
  min?: number
  max?: number
  /** the only accepted values (string options); anything else is an error */
  choices?: readonly string[]
  doc: string
}

const ROLES: readonly CommandName[] = ['seeder', 'peer']
const SEEDING: readonly CommandName[] = ['seeder', 'list']
const ADMIN: readonly CommandName[] = ['seeder', 'status', 'refresh']

/** Every option; `as const` keeps each section, key, type and default visible to the `Config` type below */
const SCHEMA = [
  // [DEFAULT]
  { section: 'DEFAULT', key: 'swarm_key', type: 'path', flag: 'swarm-key', commands: ROLES, doc: 'Swarm key file (libp2p PSK text format, made by `precache keygen`). It binds every connection handshake: only nodes holding the same key can connect. Required.' },
  { section: 'DEFAULT', key: 'identity', type: 'path', flag: 'identity', commands: ROLES, doc: 'Node identity (private key) file made by `precache keygen`. Default: <state_dir>/identity, made at the first start (mode 0600), so the node keeps its peer id across restarts; peers trust a seeder by its peer id.' },
  { section: 'DEFAULT', key: 'listen', type: 'list', flag: 'listen', commands: ROLES, doc: 'Multiaddrs to listen on. Seeder default /ip4/0.0.0.0/tcp/4001, peer default /ip4/0.0.0.0/tcp/4002.' },
  { section: 'DEFAULT', key: 'announce', type: 'list', flag: 'announce', commands: ROLES, doc: 'Multiaddrs to tell other nodes instead of the listen addresses (for NAT or 0.0.0.0 listeners).' },
  { section: 'DEFAULT', key: 'state_dir', type: 'path', default: '/var/lib/precache', flag: 'state-dir', commands: [...ROLES, 'status', 'refresh'], doc: 'Folder for the node\'s own state: served manifests on a seeder, partial downloads and their progress on a peer.' },
  { section: 'DEFAULT', key: 'topic', type: 'string', default: 'compute', flag: 'topic', commands: ROLES, doc: 'Gossipsub topic for cache(imageId, meta) announcements.' },
  { section: 'DEFAULT', key: 'log_format', type: 'string', default: 'text', flag: 'log-format', commands: ROLES, choices: ['text', 'json'], doc: 'Log format: text (one line per event) or json (one JSON object per line).' },
  { section: 'DEFAULT', key: 'log_level', type: 'string', default: 'info', flag: 'log-level', commands: ROLES, choices: ['error', 'warn', 'info', 'debug'], doc: 'Least important events logged: error, warn (something to act on), info (what happened: images served, cached, withdrawn) or debug (routine: sessions ending, periodic re-announcements, retries).' },
  { section: 'DEFAULT', key: 'metrics_listen', type: 'string', flag: 'metrics-listen', commands: ROLES, doc: 'Serve Prometheus metrics at http://<this>/metrics: host:port (e.g. 127.0.0.1:9108), [v6]:port or a unix socket path. Off by default.' },
  { section: 'DEFAULT', key: 'status_file', type: 'path', flag: 'status-file', commands: ROLES, doc: 'Write a JSON status snapshot (progress, bytes sent and received) to this file, rewritten within a second of any change.' },

  // [swarm]
  { section: 'swarm', key: 'block_size', type: 'size', default: '1MiB', flag: 'block-size', commands: ['seeder'], min: 16 * 1024, max: 16 * 1024 * 1024, doc: 'Block size the seeder cuts images into (16KiB to 16MiB; doubled automatically for images of more than 2^20 blocks).' },
  { section: 'swarm', key: 'requests_per_peer', type: 'int', default: '8', flag: 'requests-per-peer', commands: ROLES, min: 1, max: 256, doc: 'Most block requests kept in flight to one neighbour; a node\'s 16 requests in flight are shared by its neighbours up to this many each.' },
  { section: 'swarm', key: 'max_neighbours', type: 'int', default: '16', flag: 'max-neighbours', commands: ROLES, min: 1, max: 1000, doc: 'Peers a node dials to exchange blocks of one image (found by peer exchange); peers that dial it are accepted on top, and seeders are always dialled. Fewer sessions cost less CPU per byte.' },
  { section: 'swarm', key: 'upload_rate', type: 'rate', default: '0', flag: 'upload-rate', commands: ROLES, doc: 'Upload limit for block data, e.g. 100mbit or 50MiB/s (0 = unlimited).' },
  { section: 'swarm', key: 'data_encryption', type: 'string', default: 'tls', flag: 'data-encryption', commands: ROLES, choices: ['tls', 'none'], doc: 'Encryption of block data between nodes: tls (TLS 1.3, AES-GCM in OpenSSL, keyed through the swarm-key-bound libp2p connection) or none, for trusted networks only (block hashes still protect integrity; control messages stay encrypted). Every node must have the same value.' },
  { section: 'swarm', key: 'data_channel', type: 'bool', default: 'true', flag: 'data-channel', commands: ROLES, doc: 'Send block data over a separate TCP connection (the bulk channel, on data_port) instead of the libp2p connection: several times less CPU per byte. false keeps one listening port per node.' },
  { section: 'swarm', key: 'data_port', type: 'int', default: '0', flag: 'data-port', commands: ROLES, min: 0, max: 65535, doc: 'TCP port of the bulk channel; 0 = any free port (set a fixed one where a firewall must let it through: nodes connect to each other on it). When it cannot be reached, block data falls back to the libp2p connection.' },
  { section: 'swarm', key: 'data_host', type: 'string', flag: 'data-host', commands: ROLES, doc: 'IP address the bulk channel listens on. Default: the address of the libp2p listen option when it names one, else every address. Neighbours connect to it at the address they reach this node\'s libp2p port at.' },
  { section: 'swarm', key: 'download_rate', type: 'rate', default: '0', flag: 'download-rate', commands: ['peer'], doc: 'Download limit for block data (0 = unlimited).' },

  // [seeder]
  { section: 'seeder', key: 'lister', type: 'string', default: 'directory', flag: 'lister', commands: SEEDING, doc: 'Which images to pre-cache: directory (every file in --images) or glance.' },
  { section: 'seeder', key: 'fetcher', type: 'string', default: 'file', flag: 'fetcher', commands: ['seeder'], doc: 'How to bring an image to the seeder: file, glance, swift or http.' },
  { section: 'seeder', key: 'images_dir', type: 'path', flag: 'images', commands: SEEDING, doc: 'Folder of images for the directory lister: every regular file is an image, its id derived from its name.' },
  { section: 'seeder', key: 'interval', type: 'duration', default: '10m', flag: 'interval', commands: ['seeder'], min: 1000, doc: 'How often to run List → Fetch → Serve → Distribute.' },
  { section: 'seeder', key: 'max_block_peers', type: 'int', default: '32', flag: 'max-block-peers', commands: ['seeder'], min: 1, max: 100000, doc: 'Peers the seeder sends blocks to at once, per image, whatever the number of hosts. Others get a sample of peers that already have blocks and fetch from them (they retry the seeder later). With super-seeding every block still leaves the seeder once.' },
  { section: 'seeder', key: 'announce_interval', type: 'duration', default: '30s', flag: 'announce-interval', commands: ['seeder'], min: 1000, doc: 'How often to re-announce the whole catalogue on the topic.' },
  { section: 'seeder', key: 'gossip_links', type: 'int', default: '8', flag: 'gossip-links', commands: ['seeder'], min: 1, max: 1000, doc: 'Peers the seeder keeps connected to carry its signed announcements into the peers\' gossip mesh (the first peers that ask it for the catalogue). Every other connection is closed once idle for idle_close, so the seeder holds at most gossip_links + max_block_peers per image + a few short-lived connections, however many hosts there are.' },
  { section: 'seeder', key: 'idle_close', type: 'duration', default: '10s', flag: 'idle-close', commands: ['seeder'], min: 1000, doc: 'A connection that is not a gossip link and has carried no block, catalogue or report stream for this long is closed by the seeder (peers dial again when they need it).' },

  { section: 'seeder', key: 'targets', type: 'string', flag: 'targets', commands: SEEDING, doc: 'Aim images at some hosts: rules separated by ";", each "PATTERN: SELECTOR" (pattern on the image id or name, * = anything), e.g. "gpu-*: aggregate=gpu; win-*: os=windows". A selector is comma-separated key=value, key=v1|v2 or key!=value terms on the peers\' labels; the first matching rule wins over the Glance property precache_hosts. Images without either go to every host.' },
  { section: 'seeder', key: 'admin_listen', type: 'string', flag: 'admin-listen', commands: ADMIN, doc: 'Local admin endpoint (read by `precache status` and `precache refresh`): a unix socket path, or host:port on loopback. Default: <state_dir>/admin.sock.' },
  { section: 'seeder', key: 'admin_remote', type: 'bool', default: 'false', commands: ['seeder'], doc: 'Allow admin_listen on an address other hosts can reach (anyone who reaches it can read the fleet status and trigger re-listing).' },
  { section: 'seeder', key: 'peer_timeout', type: 'duration', default: '2m', flag: 'peer-timeout', commands: ['seeder'], min: 1000, doc: 'A peer whose fleet report is older than this is shown as gone by `precache status`.' },

  // [peer]
  { section: 'peer', key: 'seeders', type: 'list', flag: 'seeder', commands: ['peer'], doc: 'Multiaddr of a seeder, ending in /p2p/<peer id> (repeat the flag, or comma-separate in the file). Required.' },
  { section: 'peer', key: 'trusted_seeders', type: 'list', flag: 'trust', commands: ['peer'], doc: 'Peer ids whose announcements and manifests are accepted. Default: the peer ids in --seeder.' },
  { section: 'peer', key: 'labels', type: 'list', flag: 'labels', commands: ['peer'], doc: 'This host\'s labels for image targeting, as key=value (e.g. az=nova-1, aggregate=gpu). The label host=<host name> is always added.' },
  { section: 'peer', key: 'report_interval', type: 'duration', default: '30s', flag: 'report-interval', commands: ['peer'], min: 1000, doc: 'How often the peer reports the state of its images to the seeders (and 2 s after a change), for `precache status`.' },
  { section: 'peer', key: 'gossip_neighbours', type: 'int', default: '6', flag: 'gossip-neighbours', commands: ['peer'], min: 1, max: 100, doc: 'Other peers a peer keeps connected (found through catalogue pulls) over which the gossip mesh relays the seeders\' signed announcements; a peer connects to a seeder only for blocks, when the seeder keeps it as a gossip link, or when no neighbour can give it the catalogue. Peers that dial this one are accepted on top.' },
  { section: 'peer', key: 'catalogue_pull_interval', type: 'duration', default: '5s', flag: 'catalogue-pull-interval', commands: ['peer'], min: 500, doc: 'How often a peer asks one random neighbour for each seeder\'s newest signed catalogue (one short request; the catalogue is sent only when newer). Bounds how long a peer that gossip missed goes without a new image.' },
  { section: 'peer', key: 'cache_driver', type: 'string', default: 'directory', flag: 'cache-driver', commands: ['peer'], doc: 'Where verified images go: directory (a plain folder) or nova (libvirt _base).' },

  // [cache]
  { section: 'cache', key: 'dir', type: 'path', flag: 'cache-dir', commands: ['peer'], doc: 'Folder of the directory cache driver: images are placed as <dir>/<image id>.' },
  { section: 'cache', key: 'instances_path', type: 'path', default: '/var/lib/nova/instances', flag: 'instances-path', commands: ['peer'], doc: 'Nova\'s [DEFAULT] instances_path; the nova cache driver places images as <instances_path>/_base/<sha1 of the image id>.' },
  { section: 'cache', key: 'force_raw_images', type: 'bool', default: 'true', flag: 'force-raw-images', commands: ['peer'], doc: 'Like Nova\'s force_raw_images: convert non-raw images to raw with qemu-img before placing them.' },
  { section: 'cache', key: 'owner', type: 'string', flag: 'cache-owner', commands: ['peer'], doc: 'user[:group] (names or numbers) that should own placed base files, e.g. nova:nova. Default: unchanged.' },
  { section: 'cache', key: 'mode', type: 'string', default: '0644', flag: 'cache-mode', commands: ['peer'], doc: 'Octal file mode of placed base files.' },
  { section: 'cache', key: 'touch_interval', type: 'duration', default: '1h', flag: 'touch-interval', commands: ['peer'], min: 1000, doc: 'How often the nova driver refreshes the mtime of the base files it placed, so Nova\'s image cache manager (remove_unused_original_minimum_age_seconds) keeps them.' },
  { section: 'cache', key: 'withdraw_grace', type: 'duration', default: '1h', flag: 'withdraw-grace', commands: ['peer'], min: 0, doc: 'How long a withdrawn image stays on the host before it is deleted. It is released at once (no longer served or refreshed); announced again within the grace it is simply kept, so a flapping seeder or a mistaken untag costs nothing. 0 = delete at once.' },
  { section: 'cache', key: 'min_free', type: 'size', default: '1GiB', flag: 'min-free', commands: ['peer'], doc: 'Space to leave free on the file system of the cache. Each download reserves its full size up front; one that does not fit waits (logged once) and starts when space is freed.' },
  { section: 'cache', key: 'max_bytes', type: 'size', default: '0', flag: 'max-bytes', commands: ['peer'], doc: 'Quota for the images in the cache together with the downloads in progress (0 = none). A new image that does not fit evicts released images, least recently announced first, never a pinned one; otherwise it waits.' },
  { section: 'cache', key: 'pinned', type: 'list', flag: 'pin', commands: ['peer'], doc: 'Image ids never evicted to make room (repeat or comma-separate); an image is also pinned by the Glance property precache_pin=true.' },

  // [seeder] staging for the glance, swift and http fetchers
  { section: 'seeder', key: 'staging_dir', type: 'path', flag: 'staging-dir', commands: ['seeder'], doc: 'Folder where the glance, swift and http fetchers download images (<id>.part, then <id>). Default: <state_dir>/staging.' },

  // [openstack]
  { section: 'openstack', key: 'cloud', type: 'string', flag: 'os-cloud', commands: SEEDING, doc: 'Cloud name in clouds.yaml (like the openstack client\'s --os-cloud, env OS_CLOUD). Without it, OS_* environment variables are used when OS_AUTH_URL is set.' },
  { section: 'openstack', key: 'clouds_file', type: 'path', flag: 'os-clouds-file', commands: SEEDING, doc: 'clouds.yaml to read. Default: OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml (first found).' },
  { section: 'openstack', key: 'auth_type', type: 'string', flag: 'os-auth-type', commands: SEEDING, doc: 'password, v3applicationcredential, or noauth (no Keystone: set [glance] endpoint and [openstack] project_id; identity is sent as X-Project-Id/X-Roles headers). Default: from clouds.yaml or OS_AUTH_TYPE, else password.' },
  { section: 'openstack', key: 'region_name', type: 'string', flag: 'os-region-name', commands: SEEDING, doc: 'Region of the catalogue endpoints to use. Default: from clouds.yaml or OS_REGION_NAME, else any.' },
  { section: 'openstack', key: 'interface', type: 'string', flag: 'os-interface', commands: SEEDING, doc: 'Catalogue interface: public, internal or admin. Default: from clouds.yaml or OS_INTERFACE, else public.' },
  { section: 'openstack', key: 'project_id', type: 'string', flag: 'os-project-id', commands: SEEDING, doc: 'With auth_type noauth: the project sent as X-Project-Id.' },
  { section: 'openstack', key: 'roles', type: 'list', default: 'admin', flag: 'os-roles', commands: SEEDING, doc: 'With auth_type noauth: the roles sent as X-Roles.' },

  // [glance]
  { section: 'glance', key: 'endpoint', type: 'string', flag: 'glance-endpoint', commands: SEEDING, doc: 'Glance URL (e.g. http://controller:9292). Default: the image endpoint of the Keystone catalogue.' },
  { section: 'glance', key: 'owners', type: 'list', flag: 'glance-owner', commands: SEEDING, doc: 'Project ids whose images are pre-cached (repeat or comma-separate). Default: every project the credentials can see.' },
  { section: 'glance', key: 'tags', type: 'list', flag: 'glance-tag', commands: SEEDING, doc: 'Select images carrying all of these tags.' },
  { section: 'glance', key: 'properties', type: 'list', flag: 'glance-property', commands: SEEDING, doc: 'Select images whose properties equal these, as key=value (e.g. precache=true).' },
  { section: 'glance', key: 'visibility', type: 'string', flag: 'glance-visibility', commands: SEEDING, doc: 'Select images of this visibility: public, private, shared, community or all. Default: all that the credentials can see.' },
  { section: 'glance', key: 'page_size', type: 'int', default: '100', flag: 'glance-page-size', commands: SEEDING, min: 1, max: 1000, doc: 'Images per Glance list request (the lister follows `next` links to the end).' },
  { section: 'glance', key: 'notifications_url', type: 'string', flag: 'glance-notifications-url', commands: ['seeder'], doc: 'RabbitMQ URL (amqp://user:password@host:5672/vhost, as Glance\'s [oslo_messaging_notifications] transport_url with amqp:// for rabbit://) to hear Glance\'s image.create/update/delete/activate notifications and list again at once. Off by default. Needs Glance\'s notification driver messagingv2.' },
  { section: 'glance', key: 'notifications_exchange', type: 'string', default: 'glance', commands: ['seeder'], doc: 'Exchange Glance publishes notifications on (its control_exchange).' },
  { section: 'glance', key: 'notifications_topic', type: 'string', default: 'notifications', commands: ['seeder'], doc: 'Notification topic (Glance\'s [oslo_messaging_notifications] topics); the seeder binds its own queue to <topic>.info.' },
  { section: 'glance', key: 'download_rate', type: 'rate', default: '0', flag: 'glance-rate', commands: ['seeder'], doc: 'Bandwidth limit of the glance fetcher (0 = unlimited).' },

  // [swift]
  { section: 'swift', key: 'auth_url', type: 'string', flag: 'swift-auth-url', commands: ['seeder'], doc: 'Swift v1 (tempauth) auth URL, e.g. http://proxy:8080/auth/v1.0. Without it, the object-store endpoint and token come from Keystone ([openstack]).' },
  { section: 'swift', key: 'user', type: 'string', flag: 'swift-user', commands: ['seeder'], doc: 'Swift v1 user, e.g. account:user.' },
  { section: 'swift', key: 'key', type: 'string', flag: 'swift-key', commands: ['seeder'], doc: 'Swift v1 key (password).' },
  { section: 'swift', key: 'container', type: 'string', default: 'images', flag: 'swift-container', commands: ['seeder'], doc: 'Container holding the images.' },
  { section: 'swift', key: 'object_template', type: 'string', default: '{id}', flag: 'swift-object', commands: ['seeder'], doc: 'Object name of an image; {id} is replaced by the image id.' },
  { section: 'swift', key: 'download_rate', type: 'rate', default: '0', flag: 'swift-rate', commands: ['seeder'], doc: 'Bandwidth limit of the swift fetcher (0 = unlimited).' },

  // [http]
  { section: 'http', key: 'url_template', type: 'string', flag: 'http-url', commands: ['seeder'], doc: 'URL of an image; {id} is replaced by the image id (URL-encoded), e.g. https://mirror/images/{id}.img.' },
  { section: 'http', key: 'download_rate', type: 'rate', default: '0', flag: 'http-rate', commands: ['seeder'], doc: 'Bandwidth limit of the http fetcher (0 = unlimited).' }
] as const satisfies readonly OptionSpec[]

/** Every option, for code that walks the schema (loader, CLI flags, reference) */
export const OPTIONS: readonly OptionSpec[] = SCHEMA

type Option = typeof SCHEMA[number]

/** INI sections: DEFAULT, swarm, seeder, peer, cache, glance, swift, http, openstack */
export type SectionName = Option['section']

/** What each option type parses to */
interface ValueOfType {
  string: string
  path: string
  int: number
  size: number
  duration: number
  rate: number
  bool: boolean
  list: string[]
}

/** The parsed value of an option: always present when the schema has a default, else possibly undefined */
/** An option's parsed type: one of its `choices` when it lists them */
type Parsed<O extends Option> = O extends { choices: ReadonlyArray<infer C> } ? C : ValueOfType[O['type']]
type ValueOf<O extends Option> = O extends { default: string } ? Parsed<O> : Parsed<O> | undefined

/**
 * Validated configuration, `config[section][key]`, derived from OPTIONS:
 * sizes, durations (ms) and rates (bytes/s) are numbers, lists are string
 * arrays, paths are absolute, and options with a default are never undefined.
 */
export type Config = {
  readonly [S in SectionName]: {
    readonly [O in Extract<Option, { section: S }> as O['key']]: ValueOf<O>
  }
}

/** The keys of one section */
export type KeyOf<S extends SectionName> = keyof Config[S] & string

/** Finds the spec for an INI section/key */
export function findOption (section: string, key: string): OptionSpec | undefined {
  return OPTIONS.find(o => o.section === section && o.key === key)
}

import { ConfigError, RemoteServiceError } from '../errors.js'
import type { Config } from '../config/load.js'
import { getJson, joinUrl } from '../openstack/http.js'
import { sessionFromConfig } from '../openstack/auth-session.js'
import { withAuth } from '../openstack/auth.js'
import type { OpenStackSession } from '../openstack/auth.js'
import { glanceEndpoint } from '../openstack/glance-endpoint.js'
import { asRecord, optionalString } from '../util/json.js'
import type { JsonRecord } from '../util/json.js'
import { listers } from './lister.js'
import type { ImageLister, ImageRef, ListerComponents } from './lister.js'

/**
 * Images per list request
 *
 * @default 100
 */
export const DEFAULT_PAGE_SIZE = 100
/**
 * Pages of one image list followed at most: a Glance that keeps sending
 * `next` links is an error, not an endless listing
 *
 * @default 100000
 */
export const MAX_LIST_PAGES = 100_000

export interface GlanceListerInit {
  /** project ids whose images are selected; empty = every visible project */
  owners?: string[]
  /** images must carry all of these tags */
  tags?: string[]
  /** property filters, `key=value` */
  properties?: Record<string, string>
  /** public, private, shared, community or all */
  visibility?: string
  pageSize?: number
}

export interface GlanceListerComponents {
  session: OpenStackSession
  /** the Glance root URL */
  endpoint: (signal?: AbortSignal) => Promise<string>
}

const VISIBILITIES = ['public', 'private', 'shared', 'community', 'all']

/** The Glance image property that aims an image at some hosts, e.g. `precache_hosts=aggregate=gpu` */
export const SELECTOR_PROPERTY = 'precache_hosts'

/** converts a Glance v2 image record into an ImageRef */
export function imageRefFromGlance (img: JsonRecord & { id: string }): ImageRef {
  const checksums: Record<string, string> = {}
  if (typeof img.os_hash_algo === 'string' && typeof img.os_hash_value === 'string') checksums[img.os_hash_algo.toLowerCase()] = img.os_hash_value.toLowerCase()
  if (typeof img.checksum === 'string') checksums.md5 = img.checksum.toLowerCase()
  return {
    id: img.id,
    name: optionalString(img.name),
    project: optionalString(img.owner),
    size: typeof img.size === 'number' ? img.size : undefined,
    diskFormat: optionalString(img.disk_format),
    checksums,
    ...(img.precache_pin === 'true' || img.precache_pin === true ? { pin: true } : {}),
    ...(typeof img[SELECTOR_PROPERTY] === 'string' && img[SELECTOR_PROPERTY].trim() !== '' ? { selector: img[SELECTOR_PROPERTY].trim() } : {})
  }
}

/**
 * The Glance lister: active images of the given projects that match the tag,
 * property and visibility filters, following `next` links to the last page.
 * Errors (auth, unreachable) are thrown so the seeder keeps its last list.
 */
export function glanceLister (init: GlanceListerInit, components: GlanceListerComponents): ImageLister {
  const pageSize = init.pageSize ?? DEFAULT_PAGE_SIZE
  const owners = init.owners != null && init.owners.length > 0 ? init.owners : [undefined]

  function firstQuery (owner?: string): string {
    const q = new URLSearchParams({ status: 'active', limit: String(pageSize), sort: 'created_at:asc,id:asc' })
    if (owner != null) q.set('owner', owner)
    if (init.visibility != null) q.set('visibility', init.visibility)
    for (const tag of init.tags ?? []) q.append('tag', tag)
    for (const [k, v] of Object.entries(init.properties ?? {})) q.set(k, v)
    return `v2/images?${q.toString()}`
  }

  async function listOwner (root: string, owner: string | undefined, seen: Map<string, ImageRef>, signal?: AbortSignal): Promise<void> {
    let path: string | undefined = firstQuery(owner)
    for (let pages = 0; path != null; pages++) {
      if (pages > MAX_LIST_PAGES) throw new RemoteServiceError(`Glance at ${root} keeps sending next links; giving up`)
      const url = joinUrl(root, path)
      const body = asRecord(await withAuth(components.session, signal, async headers => await getJson(url, { what: 'Glance image list', headers: { ...headers, accept: 'application/json' }, signal })))
      if (!Array.isArray(body.images)) throw new RemoteServiceError(`Glance at ${root} sent an image list without "images"`)
      for (const item of body.images as unknown[]) {
        const img = asRecord(item)
        // the server filters by status; check again, never cache a non-active image
        if (img.status !== 'active' || typeof img.id !== 'string') continue
        if (owner != null && img.owner !== owner) continue
        seen.set(img.id, imageRefFromGlance({ ...img, id: img.id }))
      }
      path = typeof body.next === 'string' && body.next !== '' ? body.next : undefined
    }
  }

  return {
    async validate () {
      if (init.visibility != null && !VISIBILITIES.includes(init.visibility)) {
        throw new ConfigError(`[glance] visibility "${init.visibility}" is not one of ${VISIBILITIES.join(', ')}`)
      }
    },
    async list (signal) {
      const root = await components.endpoint(signal)
      const seen = new Map<string, ImageRef>()
      for (const owner of owners) await listOwner(root, owner, seen, signal)
      return [...seen.values()]
    }
  }
}

/** parses `key=value` property filters from the config */
export function parseProperties (items: string[] | undefined): Record<string, string> {
  const props: Record<string, string> = {}
  for (const item of items ?? []) {
    const i = item.indexOf('=')
    if (i <= 0) throw new ConfigError(`[glance] properties: "${item}" is not key=value`)
    props[item.slice(0, i).trim()] = item.slice(i + 1).trim()
  }
  return props
}

export function glanceListerFromConfig (config: Config): ImageLister {
  const g = config.glance ?? {}
  const init: GlanceListerInit = { owners: g.owners, tags: g.tags, properties: parseProperties(g.properties), visibility: g.visibility, pageSize: g.page_size }
  const session = sessionFromConfig(config)
  return glanceLister(init, { session, endpoint: async signal => await glanceEndpoint(config, session, signal) })
}

listers.register('glance', (c: ListerComponents) => glanceListerFromConfig(c.config))

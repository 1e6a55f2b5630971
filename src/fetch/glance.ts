import { RemoteServiceError } from '../errors.js'
import type { Logger } from '../log.js'
import type { ImageRef } from '../image/ref.js'
import { getJson, joinUrl, request } from '../openstack/http.js'
import { glanceEndpoint } from '../openstack/glance-endpoint.js'
import { sessionFromConfig } from '../openstack/auth-session.js'
import { withAuth } from '../openstack/auth.js'
import type { OpenStackSession } from '../openstack/auth.js'
import { download, removeStaged, stagingDirFromConfig, resumeFrom } from './staged-download.js'
import { asRecord } from '../util/json.js'
import { fetchers } from './fetcher.js'
import type { FetcherComponents, ImageFetcher } from './fetcher.js'
import { rateLimiter } from './rate-limit.js'
import { digestVerifier, nodeHashName, noVerifier } from './verify.js'

export interface GlanceFetcherInit {
  /** staging folder */
  dir: string
  /** bytes per second, 0 = unlimited */
  rate?: number
}

export interface GlanceFetcherComponents {
  session: OpenStackSession
  endpoint: (signal?: AbortSignal) => Promise<string>
  log: Logger
}

/**
 * The Glance fetcher: streams `GET /v2/images/{id}/file` into the staging
 * folder and verifies it against the image's `os_hash_value` (the algorithm
 * Glance names in `os_hash_algo`), or its md5 `checksum` when Glance has no
 * multihash; resumes with Range and skips a copy already verified.
 */
export function glanceFetcher (init: GlanceFetcherInit, components: GlanceFetcherComponents): ImageFetcher {
  const limiter = rateLimiter({ rate: init.rate ?? 0 })
  const { session, log } = components
  return {
    async fetch (image: ImageRef, signal?: AbortSignal) {
      const root = await components.endpoint(signal)
      const imageUrl = joinUrl(root, `v2/images/${encodeURIComponent(image.id)}`)
      const record = asRecord(await withAuth(session, signal, async headers => await getJson(imageUrl, { what: `Glance image ${image.id}`, headers, signal })))
      if (record.status !== 'active') throw new RemoteServiceError(`Glance image ${image.id} is ${String(record.status)}, not active; it cannot be fetched`)
      const size = typeof record.size === 'number' ? record.size : undefined
      const expected: Record<string, string> = {}
      if (typeof record.os_hash_algo === 'string' && typeof record.os_hash_value === 'string' && nodeHashName(record.os_hash_algo) != null) {
        expected[record.os_hash_algo.toLowerCase()] = record.os_hash_value.toLowerCase()
      } else if (typeof record.checksum === 'string') {
        expected.md5 = record.checksum.toLowerCase()
      }
      if (Object.keys(expected).length === 0) log.warn('Glance publishes no checksum for this image; only its size is checked', { image: image.id })
      return await download({
        dir: init.dir,
        id: image.id,
        what: `Glance image ${image.id}`,
        limiter,
        log,
        signal,
        verifier: () => Object.keys(expected).length > 0 ? digestVerifier(expected, size) : noVerifier(size),
        open: async (offset, sig) => await withAuth(session, sig, async headers => await request(`${imageUrl}/file`, {
          what: `Glance image ${image.id} data`,
          headers: { ...headers, ...resumeFrom(offset) },
          accept: [416],
          signal: sig
        }))
      })
    },
    async release (image: ImageRef) {
      await removeStaged(init.dir, image.id)
    }
  }
}

fetchers.register('glance', (c: FetcherComponents) => {
  const session = sessionFromConfig(c.config)
  return glanceFetcher({ dir: stagingDirFromConfig(c.config), rate: c.config.glance?.download_rate }, {
    session,
    log: c.log,
    endpoint: async signal => await glanceEndpoint(c.config, session, signal)
  })
})

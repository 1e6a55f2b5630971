import type { ImageRef } from '../image/ref.js'
import { requireOption } from '../config/load.js'
import { request } from '../openstack/http.js'
import { download, removeStaged, stagingDirFromConfig, resumeFrom } from './staged-download.js'
import { fetchers } from './fetcher.js'
import type { FetcherComponents, ImageFetcher } from './fetcher.js'
import type { Logger } from '../log.js'
import { rateLimiter } from './rate-limit.js'
import { digestVerifier, nodeHashName, noVerifier } from './verify.js'

export interface HttpFetcherInit {
  /** URL with `{id}` replaced by the URL-encoded image id */
  urlTemplate: string
  dir: string
  rate?: number
}

/**
 * The HTTP fetcher: a plain URL per image, resumed with Range. It verifies
 * the checksums the lister published for the image (if any) and the size.
 */
export function httpFetcher (init: HttpFetcherInit, components: { log: Logger }): ImageFetcher {
  const limiter = rateLimiter({ rate: init.rate ?? 0 })
  return {
    async fetch (image: ImageRef, signal?: AbortSignal) {
      const url = init.urlTemplate.replaceAll('{id}', encodeURIComponent(image.id))
      const expected = Object.fromEntries(Object.entries(image.checksums ?? {}).filter(([a]) => nodeHashName(a) != null))
      return await download({
        dir: init.dir,
        id: image.id,
        what: `image ${image.id} from ${url}`,
        limiter,
        log: components.log,
        signal,
        verifier: () => Object.keys(expected).length > 0 ? digestVerifier(expected, image.size) : noVerifier(image.size),
        open: async (offset, sig) => await request(url, {
          what: `image ${image.id}`,
          headers: resumeFrom(offset),
          accept: [416],
          signal: sig
        })
      })
    },
    async release (image: ImageRef) {
      await removeStaged(init.dir, image.id)
    }
  }
}

fetchers.register('http', (c: FetcherComponents) => httpFetcher({
  urlTemplate: requireOption(c.config, 'http', 'url_template'),
  dir: stagingDirFromConfig(c.config),
  rate: c.config.http?.download_rate
}, { log: c.log }))

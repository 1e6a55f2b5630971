import { RemoteServiceError } from '../errors.js'
import type { Logger } from '../log.js'
import type { ImageRef } from '../image/ref.js'
import { getJson, joinUrl, request } from '../openstack/http.js'
import { sessionFromConfig } from '../openstack/auth-session.js'
import { swiftKeystoneAuth, swiftV1Auth, withSwiftAuth } from '../openstack/swift-auth.js'
import type { SwiftAuth } from '../openstack/swift-auth.js'
import { download, removeStaged, stagingDirFromConfig, resumeFrom } from './staged-download.js'
import { asRecord } from '../util/json.js'
import { fetchers } from './fetcher.js'
import type { FetcherComponents, ImageFetcher } from './fetcher.js'
import { rateLimiter } from './rate-limit.js'
import { digestVerifier, nodeHashName, noVerifier, segmentVerifier } from './verify.js'
import type { Segment, Verifier } from './verify.js'

/**
 * Container of the images
 *
 * @default 'images'
 */
export const DEFAULT_CONTAINER = 'images'
/**
 * Object name; `{id}` is the image id
 *
 * @default '{id}'
 */
export const DEFAULT_OBJECT_TEMPLATE = '{id}'

export interface SwiftFetcherInit {
  dir: string
  container?: string
  objectTemplate?: string
  rate?: number
}

const unquote = (etag: string | null): string | undefined => etag?.replace(/^(W\/)?"|"$/g, '').toLowerCase()
const encodePath = (p: string): string => p.split('/').map(encodeURIComponent).join('/')

/**
 * The Swift fetcher: an image is an object. A plain object is verified by its
 * ETag (the md5 of its content). The ETag of a large object (static or
 * dynamic manifest) is not the content's md5: its segments are listed and
 * each segment's bytes are checked against the segment's md5 while streaming.
 */
export function swiftFetcher (init: SwiftFetcherInit, components: { auth: SwiftAuth, log: Logger }): ImageFetcher {
  const limiter = rateLimiter({ rate: init.rate ?? 0 })
  const container = init.container ?? DEFAULT_CONTAINER
  const template = init.objectTemplate ?? DEFAULT_OBJECT_TEMPLATE
  const { auth, log } = components

  async function segmentsOf (objectUrl: string, head: Response, storageUrl: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Segment[] | undefined> {
    if (head.headers.get('x-static-large-object')?.toLowerCase() === 'true') {
      const manifest = await getJson(`${objectUrl}?multipart-manifest=get`, { what: 'Swift SLO manifest', headers, signal })
      if (!Array.isArray(manifest)) throw new RemoteServiceError('Swift SLO manifest is not a list')
      // nested manifests and ranged segments have no plain md5 of the bytes they contribute
      const entries = manifest.map(asRecord)
      if (entries.some(s => s.sub_slo === true || s.range != null || s.data != null)) return undefined
      return entries.map(s => ({ bytes: Number(s.bytes), md5: String(s.hash) }))
    }
    const dlo = head.headers.get('x-object-manifest')
    if (dlo != null) {
      const slash = dlo.indexOf('/')
      const segContainer = decodeURIComponent(dlo.slice(0, slash))
      const prefix = decodeURIComponent(dlo.slice(slash + 1))
      const segments: Segment[] = []
      let marker = ''
      for (;;) {
        const q = new URLSearchParams({ format: 'json', prefix, marker })
        const page = await getJson(`${joinUrl(storageUrl, encodeURIComponent(segContainer))}?${q.toString()}`, { what: 'Swift DLO segment listing', headers, signal })
        if (!Array.isArray(page) || page.length === 0) break
        for (const o of page.map(asRecord)) segments.push({ bytes: Number(o.bytes), md5: String(o.hash) })
        marker = String(asRecord(page[page.length - 1]).name)
      }
      return segments
    }
    return []
  }

  return {
    async fetch (image: ImageRef, signal?: AbortSignal) {
      const objectName = template.replaceAll('{id}', image.id)
      let objectUrl = ''
      let verifier: () => Verifier = () => noVerifier(image.size)
      await withSwiftAuth(auth, signal, async ({ storageUrl, headers }) => {
        objectUrl = joinUrl(storageUrl, `${encodeURIComponent(container)}/${encodePath(objectName)}`)
        const head = await request(objectUrl, { what: `Swift object ${container}/${objectName}`, method: 'HEAD', headers, signal })
        const size = Number(head.headers.get('content-length') ?? NaN)
        const knownSize = Number.isFinite(size) ? size : undefined
        const segments = await segmentsOf(objectUrl, head, storageUrl, headers, signal)
        const published = Object.fromEntries(Object.entries(image.checksums ?? {}).filter(([a]) => nodeHashName(a) != null))
        if (segments == null) {
          if (Object.keys(published).length === 0) log.warn('large object with nested or ranged segments and no published checksum: only its size is checked', { image: image.id })
          verifier = () => Object.keys(published).length > 0 ? digestVerifier(published, knownSize) : noVerifier(knownSize)
        } else if (segments.length > 0) {
          verifier = () => segmentVerifier(segments)
        } else {
          const etag = unquote(head.headers.get('etag'))
          const expected = { ...published, ...(etag != null ? { md5: etag } : {}) }
          verifier = () => digestVerifier(expected, knownSize)
        }
      })
      return await download({
        dir: init.dir,
        id: image.id,
        what: `Swift object ${container}/${objectName}`,
        limiter,
        log,
        signal,
        verifier,
        open: async (offset, sig) => await withSwiftAuth(auth, sig, async ({ headers }) => await request(objectUrl, {
          what: `Swift object ${container}/${objectName}`,
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

fetchers.register('swift', (c: FetcherComponents) => {
  const s = c.config.swift ?? {}
  const auth = s.auth_url != null
    ? swiftV1Auth({ authUrl: s.auth_url, user: s.user ?? '', key: s.key ?? '' })
    : swiftKeystoneAuth(sessionFromConfig(c.config))
  return swiftFetcher({ dir: stagingDirFromConfig(c.config), container: s.container, objectTemplate: s.object_template, rate: s.download_rate }, { auth, log: c.log })
})

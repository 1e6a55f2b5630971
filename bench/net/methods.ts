import type { Method } from './run-context.js'
import { httpMethod } from './method-http.js'
import { bittorrentMethod } from './method-bittorrent.js'
import { precacheMethod } from './method-precache.js'

/** The methods bench:net can compare */
export const METHODS: Record<string, Method> = {
  precache: precacheMethod(),
  http: httpMethod,
  bittorrent: bittorrentMethod
}

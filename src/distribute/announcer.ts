/**
 * Seeder side of Distribute: publishes cache/withdraw announcements on the
 * gossip topic, re-publishes the whole catalogue periodically, and answers
 * peers that ask for the catalogue directly when they join.
 */
import type { Stream } from '@libp2p/interface'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import type { ImageMeta } from '../serve/meta.js'
import { encodeAnnouncement } from './announcement.js'
import type { Announcement } from './announcement.js'

/** libp2p protocol a joining peer uses to ask a seeder for its catalogue */
export const CATALOGUE_PROTOCOL = '/precache/catalogue/1.0.0'

/** @default 30000 */
export const DEFAULT_ANNOUNCE_INTERVAL = 30_000

export interface Announcer {
  /** announce an image (new or changed) */
  cache: (meta: ImageMeta) => Promise<void>
  withdraw: (imageId: string) => Promise<void>
  catalogue: () => ImageMeta[]
  stop: () => Promise<void>
}

export async function createAnnouncer (components: { node: PrecacheNode, log: Logger }, init: { topic: string, interval?: number }): Promise<Announcer> {
  const { node, log } = components
  const images = new Map<string, ImageMeta>()
  const pubsub = node.services.pubsub
  pubsub.subscribe(init.topic)

  const publish = async (a: Announcement): Promise<void> => {
    try {
      const { recipients } = await pubsub.publish(init.topic, encodeAnnouncement(a))
      log(`published ${a.type}`, { recipients: recipients.length })
    } catch (err: any) {
      log.warn(`could not publish ${a.type}: ${err.message}`)
    }
  }
  const catalogueBytes = (): Uint8Array => encodeAnnouncement({ type: 'catalogue', images: [...images.values()] })

  await node.handle(CATALOGUE_PROTOCOL, async (stream: Stream) => {
    try {
      stream.send(catalogueBytes())
      await stream.close()
    } catch (err: any) {
      stream.abort(err)
    }
  })

  const timer = setInterval(() => { void publish({ type: 'catalogue', images: [...images.values()] }) }, init.interval ?? DEFAULT_ANNOUNCE_INTERVAL)
  timer.unref()

  return {
    async cache (meta) {
      images.set(meta.imageId, meta)
      await publish({ type: 'cache', meta })
    },
    async withdraw (imageId) {
      if (!images.delete(imageId)) return
      await publish({ type: 'withdraw', imageId })
    },
    catalogue: () => [...images.values()],
    async stop () {
      clearInterval(timer)
      await node.unhandle(CATALOGUE_PROTOCOL)
      pubsub.unsubscribe(init.topic)
    }
  }
}

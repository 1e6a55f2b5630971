/**
 * Seeder side of Distribute: publishes cache/withdraw announcements on the
 * gossip topic, re-publishes the whole catalogue periodically, and answers
 * peers that ask for the catalogue directly when they join.
 */
import type { Stream } from '@libp2p/interface'
import type { SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import type { ImageMeta } from '../image/meta.js'
import { encodeAnnouncement } from './announcement.js'
import type { Announcement } from './announcement.js'
import { asError, errorMessage } from '../errors.js'

/** libp2p protocol a joining peer uses to ask a seeder for its catalogue */
export const CATALOGUE_PROTOCOL = '/precache/catalogue/1.1.0'

/** @default 30000 */
export const DEFAULT_ANNOUNCE_INTERVAL = 30_000
/** Delay before re-sending the catalogue to nodes that just subscribed. @default 500 */
export const DEFAULT_JOIN_DEBOUNCE = 500

export interface Announcer {
  /** announce an image (new or changed) */
  cache: (meta: ImageMeta) => Promise<void>
  withdraw: (imageId: string) => Promise<void>
  catalogue: () => ImageMeta[]
  /**
   * marks the catalogue as the result of a completed, successful pass (or
   * not), with the pass's generation number; only a complete catalogue lets
   * peers withdraw images that are absent from it
   */
  settle: (generation: number, complete: boolean) => void
  /** is the catalogue complete (see `settle`)? */
  complete: () => boolean
  /** how many nodes are subscribed to the topic (the hosts an announcement reaches directly) */
  subscribers: () => number
  stop: () => Promise<void>
}

export async function createAnnouncer (components: { node: PrecacheNode, log: Logger }, init: { topic: string, interval?: number }): Promise<Announcer> {
  const { node, log } = components
  const images = new Map<string, ImageMeta>()
  const pubsub = node.services.pubsub
  pubsub.subscribe(init.topic)

  const subscribers = (): number => pubsub.getSubscribers(init.topic).length
  const publish = async (a: Announcement): Promise<void> => {
    try {
      const { recipients } = await pubsub.publish(init.topic, encodeAnnouncement(a))
      // the periodic catalogue is routine; a cache or withdraw is news
      const note = a.type === 'catalogue' ? log.debug : log
      note(`published ${a.type}`, { recipients: recipients.length, subscribers: subscribers() })
    } catch (err) {
      log.warn(`could not publish ${a.type}: ${errorMessage(err)}`)
    }
  }
  let generation = 0
  let complete = false
  const catalogue = (): Announcement => ({ type: 'catalogue', generation, complete, images: [...images.values()] })
  const catalogueBytes = (): Uint8Array => encodeAnnouncement(catalogue())

  await node.handle(CATALOGUE_PROTOCOL, async (stream: Stream) => {
    try {
      // answer only once the request byte arrived: a reply sent straight after
      // protocol negotiation can be lost by libp2p 3 on the dialling side
      const it = stream[Symbol.asyncIterator]()
      const first = await it.next()
      if (first.done === true) return
      stream.send(catalogueBytes())
      await stream.close()
    } catch (err) {
      stream.abort(asError(err))
    }
  })

  // a node that subscribes may have missed earlier announcements: re-send the
  // catalogue shortly after (debounced, so a crowd joining costs one message)
  let joinTimer: NodeJS.Timeout | undefined
  const onSubscription = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (!evt.detail.subscriptions.some(s => s.topic === init.topic && s.subscribe === true)) return
    joinTimer ??= setTimeout(() => {
      joinTimer = undefined
      if (images.size > 0 || complete) void publish(catalogue())
    }, DEFAULT_JOIN_DEBOUNCE)
  }
  pubsub.addEventListener('subscription-change', onSubscription)

  const timer = setInterval(() => { void publish(catalogue()) }, init.interval ?? DEFAULT_ANNOUNCE_INTERVAL)
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
    settle (g, c) { generation = g; complete = c },
    complete: () => complete,
    subscribers,
    async stop () {
      clearInterval(timer)
      if (joinTimer != null) clearTimeout(joinTimer)
      pubsub.removeEventListener('subscription-change', onSubscription)
      await node.unhandle(CATALOGUE_PROTOCOL)
      pubsub.unsubscribe(init.topic)
    }
  }
}

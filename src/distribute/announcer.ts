/**
 * Seeder side of Distribute: publishes signed cache/withdraw announcements on
 * the gossip topic, re-publishes the whole signed catalogue periodically, and
 * answers catalogue pulls (catalogue-pull.ts) — from peers that join, and
 * from peers that hear nothing from their neighbours. It keeps a few of the
 * peers that pull as **gossip links** ("stay linked" in the reply): their
 * connections carry its publishes into the peers' gossip mesh, every other
 * connection is transient (net/idle.ts), so the seeder holds a bounded number
 * of connections however many hosts there are.
 */
import type { PrivateKey } from '@libp2p/interface'
import type { SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import type { ImageMeta } from '../image/meta.js'
import type { Announcement } from './announcement.js'
import { errorMessage } from '../errors.js'
import { signAnnouncement } from './signed.js'
import { samplePeers, servePulls } from './catalogue-pull.js'
import { closeIfIdle } from '../net/idle.js'

/** @default 30000 */
export const DEFAULT_ANNOUNCE_INTERVAL = 30_000
/** Delay before re-sending the catalogue to nodes that just subscribed. @default 500 */
export const DEFAULT_JOIN_DEBOUNCE = 500
/**
 * Delay before the catalogue follows a cache/withdraw on the topic (several
 * changes in a burst cost one catalogue): peers that got the catalogue can
 * then hand the change to neighbours that pull. @default 1000
 */
export const DEFAULT_CHANGE_DEBOUNCE = 1000
/** Peers a seeder keeps connected as gossip links (`[seeder] gossip_links`). @default 8 */
export const DEFAULT_GOSSIP_LINKS = 8

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
  /** is this peer one of the seeder's gossip links? */
  isLink: (peerId: string) => boolean
  /** gossip links, catalogue pulls answered, and the catalogue's seq */
  relayStatus: () => { links: number, maxLinks: number, pullsAnswered: number, seq: number }
  stop: () => Promise<void>
}

export interface AnnouncerInit {
  topic: string
  /** @default DEFAULT_ANNOUNCE_INTERVAL */
  interval?: number
  /** @default DEFAULT_GOSSIP_LINKS */
  links?: number
}

export async function createAnnouncer (components: { node: PrecacheNode, log: Logger, privateKey: PrivateKey }, init: AnnouncerInit): Promise<Announcer> {
  const { node, log, privateKey } = components
  const self = node.peerId.toString()
  const maxLinks = init.links ?? DEFAULT_GOSSIP_LINKS
  const images = new Map<string, ImageMeta>()
  const pubsub = node.services.pubsub
  pubsub.subscribe(init.topic)

  // grows with every announcement and catalogue change, across restarts (clock-based)
  let seq = Date.now()
  const nextSeq = (): number => (seq = Math.max(seq + 1, Date.now()))
  let generation = 0
  let complete = false
  let catalogueSeq = nextSeq()
  let signedCatalogue: Promise<Uint8Array> | undefined
  let changeTimer: NodeJS.Timeout | undefined
  const changed = (): void => {
    catalogueSeq = nextSeq()
    signedCatalogue = undefined
    changeTimer ??= setTimeout(() => { changeTimer = undefined; void publish('catalogue') }, DEFAULT_CHANGE_DEBOUNCE)
  }
  const catalogue = (): Announcement => ({ type: 'catalogue', generation, complete, images: [...images.values()], seq: catalogueSeq })
  const currentCatalogue = async (): Promise<Uint8Array> => await (signedCatalogue ??= signAnnouncement(privateKey, self, catalogue()))

  const subscribers = (): number => pubsub.getSubscribers(init.topic).length
  const publish = async (a: Announcement | 'catalogue'): Promise<void> => {
    const type = a === 'catalogue' ? a : a.type
    try {
      const bytes = a === 'catalogue' ? await currentCatalogue() : await signAnnouncement(privateKey, self, a)
      const { recipients } = await pubsub.publish(init.topic, bytes)
      // the periodic catalogue is routine; a cache or withdraw is news
      const note = type === 'catalogue' ? log.debug : log
      note(`published ${type}`, { recipients: recipients.length, subscribers: subscribers() })
    } catch (err) {
      log.warn(`could not publish ${type}: ${errorMessage(err)}`)
    }
  }

  const links = new Set<string>()
  let pullsAnswered = 0
  const onDisconnect = (evt: CustomEvent<{ toString: () => string }>): void => { links.delete(evt.detail.toString()) }
  node.addEventListener('peer:disconnect', onDisconnect)
  const stopServing = await servePulls(node, {
    newest: async (seeder, haveSeq) => seeder === self && catalogueSeq > haveSeq ? await currentCatalogue() : undefined,
    link: (remote) => {
      if (!links.has(remote) && links.size < maxLinks) links.add(remote)
      return links.has(remote)
    },
    peers: async (remote) => await samplePeers(node, remote, new Set()),
    onServed: () => { pullsAnswered++ },
    // a peer that is not a link asked once: do not keep its connection
    after: (connection, stream) => { if (!links.has(connection.remotePeer.toString())) closeIfIdle(connection, stream) }
  })

  // a node that subscribes may have missed earlier announcements: re-send the
  // catalogue shortly after (debounced, so a crowd joining costs one message)
  let joinTimer: NodeJS.Timeout | undefined
  const onSubscription = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (!evt.detail.subscriptions.some(s => s.topic === init.topic && s.subscribe === true)) return
    joinTimer ??= setTimeout(() => {
      joinTimer = undefined
      if (images.size > 0 || complete) void publish('catalogue')
    }, DEFAULT_JOIN_DEBOUNCE)
  }
  pubsub.addEventListener('subscription-change', onSubscription)

  const timer = setInterval(() => { void publish('catalogue') }, init.interval ?? DEFAULT_ANNOUNCE_INTERVAL)
  timer.unref()

  return {
    async cache (meta) {
      images.set(meta.imageId, meta)
      changed()
      await publish({ type: 'cache', meta, seq: catalogueSeq })
    },
    async withdraw (imageId) {
      if (!images.delete(imageId)) return
      changed()
      await publish({ type: 'withdraw', imageId, seq: catalogueSeq })
    },
    catalogue: () => [...images.values()],
    settle (g, c) {
      if (g === generation && c === complete) return
      generation = g
      complete = c
      changed()
    },
    complete: () => complete,
    subscribers,
    isLink: (peerId) => links.has(peerId),
    relayStatus: () => ({ links: links.size, maxLinks, pullsAnswered, seq: catalogueSeq }),
    async stop () {
      clearInterval(timer)
      if (joinTimer != null) clearTimeout(joinTimer)
      if (changeTimer != null) clearTimeout(changeTimer)
      pubsub.removeEventListener('subscription-change', onSubscription)
      node.removeEventListener('peer:disconnect', onDisconnect)
      await stopServing()
      pubsub.unsubscribe(init.topic)
    }
  }
}

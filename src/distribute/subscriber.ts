/**
 * Peer side of Distribute: accepts an announcement only when it is signed by
 * a trusted seeder (signed.ts) and newer than what the peer knows from that
 * seeder (catalogue-order.ts) — whoever relayed it: the gossip mesh, a
 * neighbour answering a catalogue pull, or the seeder itself. Keeps the newest
 * signed catalogue of each trusted seeder and hands it to neighbours that
 * pull it (catalogue-pull.ts), so a peer need not be connected to a seeder to
 * learn what it serves.
 */
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Message } from '@libp2p/gossipsub'
import { errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import type { Announcement } from './announcement.js'
import { decodeSignedAnnouncement, verifyAnnouncement } from './signed.js'
import { createAnnouncementOrder } from './catalogue-order.js'
import { pullCatalogue, samplePeers, servePulls } from './catalogue-pull.js'
import type { PullPeer } from './catalogue-wire.js'

/** Where an announcement came from */
export type Via = 'gossip' | 'neighbour' | 'seeder'

export interface SubscriberInit {
  topic: string
  /** peer ids whose announcements are accepted */
  trusted: string[]
  /** called for every accepted announcement, with the seeder that signed it and how it arrived */
  onAnnouncement: (a: Announcement, from: string, via: Via) => void
  /** called for every well-signed announcement, news or not (a periodic catalogue repeats the last one) */
  onHeard?: (type: Announcement['type'], from: string) => void
}

/** Counters for the status file (`relay` in a peer's status) */
export interface RelayCounters {
  accepted: Record<Via, number>
  /** well-signed but not newer than what was known (replays, periodic repeats) */
  stale: number
  /** bad signature, untrusted signer, malformed */
  refused: number
  pullsSent: number
  pullsFailed: number
  pullsAnswered: number
}

export interface PullResult { peers: PullPeer[], link: boolean, newer: number }

export interface Subscriber {
  /** asks `target` (a neighbour or a seeder) for every trusted seeder's newest catalogue */
  pull: (target: PeerId | Multiaddr, via: Via, signal?: AbortSignal) => Promise<PullResult>
  /** when a well-signed announcement of `seeder` last arrived (ms; 0 = never), stale repeats included */
  lastHeard: (seeder: string) => number
  /** the newest catalogue seq applied from `seeder` (0 = none) */
  catalogueSeq: (seeder: string) => number
  counters: () => RelayCounters
  stop: () => Promise<void>
}

export async function createSubscriber (components: { node: PrecacheNode, log: Logger }, init: SubscriberInit): Promise<Subscriber> {
  const { node, log } = components
  const trusted = new Set(init.trusted)
  const order = createAnnouncementOrder()
  /** the newest signed catalogue of each trusted seeder, as received (what neighbours are given) */
  const newest = new Map<string, { seq: number, bytes: Uint8Array }>()
  const heard = new Map<string, number>()
  const counters: RelayCounters = { accepted: { gossip: 0, neighbour: 0, seeder: 0 }, stale: 0, refused: 0, pullsSent: 0, pullsFailed: 0, pullsAnswered: 0 }
  const pubsub = node.services.pubsub

  /** verifies and applies one envelope; returns whether it was news */
  const accept = async (bytes: Uint8Array, via: Via, expect?: string): Promise<boolean> => {
    let signed
    try {
      signed = decodeSignedAnnouncement(bytes)
      if (expect != null && (signed.signer !== expect || signed.announcement.type !== 'catalogue')) throw new Error(`asked for seeder ${expect}'s catalogue, got a ${signed.announcement.type} of ${signed.signer}`)
      await verifyAnnouncement(signed, trusted)
    } catch (err) {
      counters.refused++
      log.warn(`refused an announcement (${via}): ${errorMessage(err)}`, { event: 'announcement-refused', via })
      return false
    }
    const a = signed.announcement
    const seq = a.seq ?? 0
    init.onHeard?.(a.type, signed.signer)
    // the seeder is alive and we are up to date with it (a replay of something older proves neither)
    if (seq >= order.newest(signed.signer)) heard.set(signed.signer, Date.now())
    const imageId = a.type === 'cache' ? a.meta.imageId : a.type === 'withdraw' ? a.imageId : undefined
    if (order.check(signed.signer, { type: a.type, seq, imageId }) === 'stale') { counters.stale++; return false }
    if (a.type === 'catalogue') newest.set(signed.signer, { seq, bytes: signed.bytes })
    counters.accepted[via]++
    init.onAnnouncement(a, signed.signer, via)
    return true
  }

  const onMessage = (evt: CustomEvent<Message>): void => {
    if (evt.detail.topic !== init.topic) return
    void accept(evt.detail.data, 'gossip')
  }

  const stopServing = await servePulls(node, {
    newest: (seeder, haveSeq) => { const n = newest.get(seeder); return n != null && n.seq > haveSeq ? n.bytes : undefined },
    peers: async (remote) => await samplePeers(node, remote, trusted),
    onServed: () => { counters.pullsAnswered++ }
  })

  const pull = async (target: PeerId | Multiaddr, via: Via, signal?: AbortSignal): Promise<PullResult> => {
    const out: PullResult = { peers: [], link: false, newer: 0 }
    for (const id of trusted) {
      counters.pullsSent++
      try {
        const reply = await pullCatalogue(node, target, peerIdFromString(id), order.catalogueSeq(id), signal)
        if (out.peers.length === 0) out.peers = reply.peers
        out.link ||= reply.link
        if (reply.signed != null && await accept(reply.signed, via, id)) out.newer++
      } catch (err) {
        counters.pullsFailed++
        throw err
      }
    }
    return out
  }

  pubsub.subscribe(init.topic)
  pubsub.addEventListener('message', onMessage)

  return {
    pull,
    lastHeard: (seeder) => heard.get(seeder) ?? 0,
    catalogueSeq: (seeder) => order.catalogueSeq(seeder),
    counters: () => ({ ...counters, accepted: { ...counters.accepted } }),
    async stop () {
      pubsub.removeEventListener('message', onMessage)
      pubsub.unsubscribe(init.topic)
      await stopServing()
    }
  }
}

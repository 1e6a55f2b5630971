/**
 * Peer side of Distribute: accepts announcements only when gossipsub's
 * signature shows they come from a trusted seeder, and asks seeders for their
 * catalogue directly whenever a connection to one opens (so a peer that joins
 * late, or missed a message, catches up).
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { WireDecodeError } from '../errors.js'
import type { Logger } from '../log.js'
import type { PrecacheNode } from '../net/node.js'
import { decodeAnnouncement, MAX_ANNOUNCEMENT_BYTES } from './announcement.js'
import type { Announcement } from './announcement.js'
import { CATALOGUE_PROTOCOL } from './announcer.js'

export interface SubscriberInit {
  topic: string
  /** peer ids whose announcements are accepted */
  trusted: string[]
  /** called for every accepted announcement, with the seeder it came from */
  onAnnouncement: (a: Announcement, from: string) => void
}

export interface Subscriber {
  /** asks one seeder for its catalogue now */
  requestCatalogue: (seeder: PeerId, signal?: AbortSignal) => Promise<void>
  stop: () => void
}

export function createSubscriber (components: { node: PrecacheNode, log: Logger }, init: SubscriberInit): Subscriber {
  const { node, log } = components
  const trusted = new Set(init.trusted)
  const pubsub = node.services.pubsub

  const onMessage = (evt: any): void => {
    const msg = evt.detail
    if (msg.topic !== init.topic) return
    const from = msg.type === 'signed' ? msg.from.toString() : undefined
    if (from == null || !trusted.has(from)) {
      log.warn('ignored an announcement from an untrusted node', { from: from ?? 'unsigned' })
      return
    }
    try {
      init.onAnnouncement(decodeAnnouncement(msg.data), from)
    } catch (err: any) {
      log.warn(`ignored a malformed announcement from ${from}: ${err.message}`)
    }
  }

  const requestCatalogue = async (seeder: PeerId, signal?: AbortSignal): Promise<void> => {
    const stream = await node.dialProtocol(seeder, CATALOGUE_PROTOCOL, { signal: signal ?? AbortSignal.timeout(10_000) })
    const chunks: Uint8Array[] = []
    let total = 0
    for await (const chunk of stream) {
      total += chunk.byteLength
      if (total > MAX_ANNOUNCEMENT_BYTES) { stream.abort(new Error('too large')); throw new WireDecodeError('catalogue too large') }
      chunks.push(chunk.subarray())
    }
    init.onAnnouncement(decodeAnnouncement(Buffer.concat(chunks)), seeder.toString())
  }

  const onConnect = (evt: any): void => {
    const peer: PeerId = evt.detail
    if (!trusted.has(peer.toString())) return
    requestCatalogue(peer).catch((err: any) => { log.warn(`could not get the catalogue from seeder ${peer.toString()}: ${err.message}`) })
  }

  pubsub.subscribe(init.topic)
  pubsub.addEventListener('message', onMessage)
  node.addEventListener('peer:connect', onConnect)
  for (const id of trusted) {
    if (node.getConnections(peerIdFromString(id)).length > 0) onConnect({ detail: peerIdFromString(id) })
  }

  return {
    requestCatalogue,
    stop () {
      pubsub.removeEventListener('message', onMessage)
      node.removeEventListener('peer:connect', onConnect)
      pubsub.unsubscribe(init.topic)
    }
  }
}

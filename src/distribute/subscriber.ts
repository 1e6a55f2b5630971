/**
 * Peer side of Distribute: accepts announcements only when gossipsub's
 * signature shows they come from a trusted seeder, and asks seeders for their
 * catalogue directly whenever a connection to one opens (so a peer that joins
 * late, or missed a message, catches up).
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { CatalogueTimeoutError, WireDecodeError, errorMessage } from '../errors.js'
import type { Message } from '@libp2p/gossipsub'
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
  /**
   * How long a direct catalogue request may take
   *
   * @default 10000
   */
  catalogueTimeout?: number
}

/** The one byte that asks a seeder for its catalogue (SPEC.md) */
const CATALOGUE_REQUEST = Uint8Array.of(1)

/** @default 10000 */
export const DEFAULT_CATALOGUE_TIMEOUT = 10_000

export interface Subscriber {
  /** asks one seeder for its catalogue now */
  requestCatalogue: (seeder: PeerId, signal?: AbortSignal) => Promise<void>
  stop: () => void
}

export function createSubscriber (components: { node: PrecacheNode, log: Logger }, init: SubscriberInit): Subscriber {
  const { node, log } = components
  const trusted = new Set(init.trusted)
  /** per seeder, how many announcements were accepted (orders replies against gossip) */
  const heard = new Map<string, number>()
  const pubsub = node.services.pubsub

  const onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== init.topic) return
    const from = msg.type === 'signed' ? msg.from.toString() : undefined
    if (from == null || !trusted.has(from)) {
      log.warn('ignored an announcement from an untrusted node', { from: from ?? 'unsigned' })
      return
    }
    try {
      const a = decodeAnnouncement(msg.data)
      heard.set(from, (heard.get(from) ?? 0) + 1)
      init.onAnnouncement(a, from)
    } catch (err) {
      log.warn(`ignored a malformed announcement from ${from}: ${errorMessage(err)}`)
    }
  }

  const requestCatalogue = async (seeder: PeerId, signal?: AbortSignal): Promise<void> => {
    const id = seeder.toString()
    const mark = heard.get(id) ?? 0
    const deadline = signal ?? AbortSignal.timeout(init.catalogueTimeout ?? DEFAULT_CATALOGUE_TIMEOUT)
    const stream = await node.dialProtocol(seeder, CATALOGUE_PROTOCOL, { signal: deadline })
    const timedOut = (): Error => new CatalogueTimeoutError(`no complete catalogue from seeder ${id} in time`)
    const onAbort = (): void => { stream.abort(timedOut()) }
    deadline.addEventListener('abort', onAbort, { once: true })
    const chunks: Uint8Array[] = []
    let total = 0
    try {
      stream.send(CATALOGUE_REQUEST)
      for await (const chunk of stream) {
        total += chunk.byteLength
        if (total > MAX_ANNOUNCEMENT_BYTES) { stream.abort(new Error('too large')); throw new WireDecodeError('catalogue too large') }
        chunks.push(chunk.subarray())
      }
    } finally {
      deadline.removeEventListener('abort', onAbort)
    }
    if (deadline.aborted) throw timedOut()
    const a = decodeAnnouncement(Buffer.concat(chunks))
    // a reply that crossed another accepted announcement from the same seeder
    // (gossip, or a concurrent reply) may be stale: applying it could withdraw
    // an image announced meanwhile
    if ((heard.get(id) ?? 0) !== mark) {
      log('ignored a catalogue reply older than the announcements since', { seeder: id })
      return
    }
    heard.set(id, mark + 1)
    init.onAnnouncement(a, id)
  }

  const onConnect = (evt: { detail: PeerId }): void => {
    const peer = evt.detail
    if (!trusted.has(peer.toString())) return
    requestCatalogue(peer).catch((err: unknown) => { log.warn(`could not get the catalogue from seeder ${peer.toString()}: ${errorMessage(err)}`) })
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

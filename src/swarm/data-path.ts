/**
 * Where block payloads travel: the swarm's side of the bulk channel
 * (src/net/bulk, SPEC.md "Bulk channel"). One bulk listener per node. On each
 * block session both sides send DATA_CHANNEL with their `data_encryption`;
 * the side that accepted the libp2p stream adds a one-time grant, and the
 * side that opened it dials the bulk listener at the same host with it.
 * Blocks go over the bulk channel once it is up, over the libp2p stream
 * before that or when it cannot be opened (logged once per neighbour).
 */
import type { Socket } from 'node:net'
import { DataEncryptionMismatchError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { dialBulk } from '../net/bulk/dial.js'
import { createBulkListener, type BulkListener, type Grant } from '../net/bulk/listener.js'
import type { DataEncryption } from '../net/bulk/tls.js'
import type { Message } from './wire.js'

export type DataChannelMessage = Extract<Message, { type: 'data-channel' }>

export interface DataPathInit {
  /** `[swarm] data_encryption`. @default 'tls' */
  encryption?: DataEncryption
  /** open bulk channels at all (false: every block over libp2p, one port). @default true */
  enabled?: boolean
  /** address the bulk listener binds. @default '::' (every address) */
  host?: string
  /** port of the bulk listener; 0 = any free port. @default 0 */
  port?: number
  /** our peer id as multihash bytes (named in the bulk HELLO) */
  localPeerId: Uint8Array
  /** decodes a peer id's multihash bytes to its text form */
  peerIdText: (bytes: Uint8Array) => string
  log: Logger
  /** the node's strike accounting: a neighbour broke the bulk protocol */
  strike?: (peerId: string, reason: string) => void
  isBanned?: (peerId: string) => boolean
}

export interface DataPath {
  readonly encryption: DataEncryption
  /** port of the bulk listener, 0 when there is none */
  readonly port: number
  /**
   * The DATA_CHANNEL message for a new session. With `inbound` (we accepted
   * the stream) and a listener, it carries a grant; `accept` then receives
   * the neighbour's bulk socket.
   */
  offer: (remote: string, inbound: boolean, accept: (socket: Socket, rest: Uint8Array) => void) => { message: DataChannelMessage, grant?: Grant }
  revoke: (grant: Grant) => void
  /** checks the neighbour's DATA_CHANNEL: throws DataEncryptionMismatchError (logged once per neighbour) */
  check: (remote: string, msg: DataChannelMessage) => void
  /** opens the bulk channel a neighbour granted us */
  dial: (host: string, msg: DataChannelMessage, signal?: AbortSignal) => Promise<Socket>
  /** block data to `remote` stays on the libp2p stream: says why, once per neighbour */
  fallback: (remote: string, why: string) => void
  strike: (remote: string, reason: string) => void
  /** for the status file */
  status: () => DataPathStatus
  close: () => Promise<void>
}

export interface DataPathStatus {
  encryption: DataEncryption
  /** bulk listener port, 0 = none */
  port: number
  /** neighbours whose data_encryption differs from ours */
  mismatched: string[]
  /** neighbours whose block data stays on the libp2p stream because a bulk channel could not be opened or failed */
  fallbacks: string[]
}

export async function createDataPath (init: DataPathInit): Promise<DataPath> {
  const encryption = init.encryption ?? 'tls'
  const { log } = init
  const mismatched = new Set<string>()
  const fallbacks = new Set<string>()
  const strike = (peer: string, reason: string): void => { init.strike?.(peer, reason) }
  let listener: BulkListener | undefined
  if (init.enabled !== false) {
    listener = await createBulkListener({
      encryption,
      host: init.host,
      port: init.port,
      peerIdText: init.peerIdText,
      isBanned: init.isBanned,
      onRefused (r) {
        log(`refused a bulk connection: ${r.reason}`, r.peerId != null ? { peer: r.peerId } : undefined)
        if (r.peerId != null) strike(r.peerId, `bulk channel: ${r.reason}`)
      }
    })
    log(`bulk data channel listening on port ${listener.port}`, { port: listener.port, dataEncryption: encryption })
  }
  return {
    encryption,
    get port () { return listener?.port ?? 0 },
    offer (remote, inbound, accept) {
      if (!inbound || listener == null) return { message: { type: 'data-channel', encryption, port: 0 } }
      const grant = listener.issue(remote, accept)
      return { message: { type: 'data-channel', encryption, port: listener.port, grant }, grant }
    },
    revoke: (grant) => { listener?.revoke(grant) },
    check (remote, msg) {
      if (msg.encryption === encryption) return
      const err = new DataEncryptionMismatchError(`neighbour ${remote} has [swarm] data_encryption = ${msg.encryption}, this node has ${encryption}: set the same data_encryption on every node`)
      if (!mismatched.has(remote)) { mismatched.add(remote); log.error(errorMessage(err), { peer: remote }) }
      throw err
    },
    async dial (host, msg, signal) {
      if (msg.grant == null) throw new Error('no grant')
      return await dialBulk({ host, port: msg.port, encryption, grant: msg.grant, localPeerId: init.localPeerId, signal })
    },
    fallback (remote, why) {
      if (fallbacks.has(remote)) return
      fallbacks.add(remote)
      log.warn(`block data with ${remote} goes over the libp2p connection: ${why}`, { peer: remote })
    },
    status: () => ({ encryption, port: listener?.port ?? 0, mismatched: [...mismatched], fallbacks: [...fallbacks] }),
    strike,
    async close () { await listener?.close() }
  }
}

import '../util/polyfill.js'
import { createLibp2p } from 'libp2p'
import type { ConnectionEncrypter, Libp2p, PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import { swarmPrologue } from './swarm-key.js'
import { asError } from '../errors.js'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import type { BanList } from './bans.js'

/** Bytes a stream may buffer unread before it is reset. @default 64 MiB */
export const MAX_STREAM_READ_BUFFER = 64 * 1024 * 1024

/**
 * Largest yamux data frame. Larger than yamux's 64 KiB default: block
 * transfers then cost fewer frames. (The stream window stays at yamux's
 * 256 KiB default: a 4 MiB window filled slow hosts' uplinks and made the
 * half-slow simulator scenario 10% slower.)
 *
 * @default 1 MiB
 */
export const MAX_MUXER_FRAME = 1024 * 1024

/**
 * Connections a node keeps at most
 *
 * @default 300
 */
export const DEFAULT_MAX_CONNECTIONS = 300

/** Gossipsub mesh degree (and its bounds) of every node: small, for swarms whose peers keep few connections */
export const GOSSIP_MESH = { D: 4, Dlo: 2, Dhi: 8 } as const

export type PrecacheNode = Libp2p<{ identify: Identify, pubsub: GossipSub }>

export interface NodeInit {
  /** 32-byte swarm secret (see swarm-key.ts) */
  swarmKey: Uint8Array
  /** node identity; a fresh Ed25519 key when absent */
  privateKey?: PrivateKey
  listen: string[]
  announce?: string[]
  /** @default DEFAULT_MAX_CONNECTIONS */
  maxConnections?: number
  /** identify's agent version (see version.ts) */
  agentVersion?: string
  /**
   * Called when an inbound connection fails its handshake (the other node
   * holds another swarm key, or expected another peer id for this node)
   */
  onInboundHandshakeFailure?: (remoteAddr: string, err: Error) => void
  /** peers refused at the connection gater while banned (see bans.ts) */
  bans?: BanList
}

/**
 * Creates the libp2p node both roles run on: TCP, noise bound to the swarm key
 * (SPEC.md §0), yamux, identify and gossipsub tuned for small swarms.
 */
export async function createNode (init: NodeInit): Promise<PrecacheNode> {
  return await createLibp2p({
    privateKey: init.privateKey,
    nodeInfo: init.agentVersion != null ? { userAgent: init.agentVersion } : undefined,
    addresses: { listen: init.listen, announce: init.announce ?? [] },
    transports: [tcp()],
    // the swarm key is the noise prologue: one cipher pass per byte, where a
    // connection protector under noise would add a second (SPEC.md §0)
    connectionEncrypters: [reportInboundFailures(noise({ prologueBytes: swarmPrologue(init.swarmKey) }), init.onInboundHandshakeFailure)],
    // block sessions bound what they ask for (requests in flight), so a larger
    // read buffer than yamux's 4 MiB default is safe, and a busy reader must
    // not have its stream reset
    streamMuxers: [yamux({
      maxMessageSize: MAX_MUXER_FRAME,
      streamOptions: { maxReadBufferLength: MAX_STREAM_READ_BUFFER }
    })],
    connectionManager: { maxConnections: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS },
    connectionGater: {
      denyDialPeer: (peerId) => init.bans?.isBanned(peerId.toString()) ?? false,
      denyInboundEncryptedConnection: (peerId) => init.bans?.isBanned(peerId.toString()) ?? false,
      denyOutboundEncryptedConnection: (peerId) => init.bans?.isBanned(peerId.toString()) ?? false
    },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        ...GOSSIP_MESH,
        Dout: 1,
        floodPublish: true,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        globalSignaturePolicy: 'StrictSign',
        maxInboundDataLength: 1 << 20
      })
    }
  })
}

/**
 * Wraps a connection encrypter so that a failed inbound handshake is reported
 * with the remote address. libp2p's encrypter factories take its private
 * components type, which it does not export: the wrapper passes whatever the
 * factory takes through unchanged (`Parameters<T>`).
 */
function reportInboundFailures<T extends (components: never) => ConnectionEncrypter> (factory: T, report?: (remoteAddr: string, err: Error) => void): T {
  if (report == null) return factory
  return ((...args: Parameters<T>) => {
    const encrypter = (factory as (...a: Parameters<T>) => ConnectionEncrypter)(...args)
    const secureInbound = encrypter.secureInbound.bind(encrypter)
    encrypter.secureInbound = async (connection, options) => {
      try {
        return await secureInbound(connection, options)
      } catch (err) {
        try { report(String((connection as { remoteAddr?: unknown }).remoteAddr ?? 'unknown address'), asError(err)) } catch {}
        throw err
      }
    }
    return encrypter
  }) as T
}

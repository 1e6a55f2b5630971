/**
 * The bulk channel's dialling side: connects to a neighbour's bulk listener
 * with the grant it received over the libp2p stream, and sends the HELLO.
 */
import { connect, type Socket } from 'node:net'
import * as tls from 'node:tls'
import { BulkChannelError, errorMessage } from '../../errors.js'
import { encodeHello } from './frames.js'
import type { Grant } from './listener.js'
import { BULK_TLS_OPTIONS, pskIdentity, type DataEncryption } from './tls.js'

/**
 * Time allowed to connect (and finish TLS). Generous: on a saturated link the
 * handshake's packets wait behind block data, and a dropped SYN is resent
 * after 1 s, then 3 s; measured on 20 Mbit/s links with 12–16 hosts, 5 s
 * failed for a third of the neighbours, whose block data then went over the
 * libp2p stream at twice the CPU per byte. Blocks move over libp2p meanwhile.
 *
 * @default 20000
 */
export const DEFAULT_BULK_DIAL_TIMEOUT = 20_000

export interface BulkDialInit {
  host: string
  port: number
  encryption: DataEncryption
  grant: Grant
  /** our own peer id (multihash bytes), named in the HELLO */
  localPeerId: Uint8Array
  timeout?: number
  signal?: AbortSignal
}

/** Resolves with a socket ready for BLOCK frames, or rejects with BulkChannelError */
export async function dialBulk (init: BulkDialInit): Promise<Socket> {
  const timeout = init.timeout ?? DEFAULT_BULK_DIAL_TIMEOUT
  const socket: Socket = init.encryption === 'tls'
    ? tls.connect({
      ...BULK_TLS_OPTIONS,
      host: init.host,
      port: init.port,
      pskCallback: () => ({ psk: Buffer.from(init.grant.secret), identity: pskIdentity(init.grant.token) }),
      // authenticated by the pre-shared key, not by a certificate
      checkServerIdentity: () => undefined
    })
    : connect({ host: init.host, port: init.port })
  socket.setNoDelay(true)
  const ready = init.encryption === 'tls' ? 'secureConnect' : 'connect'
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string): void => { cleanup(); reject(new BulkChannelError(`bulk channel to ${init.host}:${init.port}: ${why}`)) }
      const onReady = (): void => { cleanup(); resolve() }
      const onError = (err: Error): void => { fail(errorMessage(err)) }
      const onClose = (): void => { fail('closed during the handshake') }
      const onAbort = (): void => { fail('aborted') }
      const timer = setTimeout(() => { fail(`no connection within ${timeout} ms`) }, timeout)
      const cleanup = (): void => {
        clearTimeout(timer)
        socket.off(ready, onReady)
        socket.off('error', onError)
        socket.off('close', onClose)
        init.signal?.removeEventListener('abort', onAbort)
      }
      socket.once(ready, onReady)
      socket.once('error', onError)
      socket.once('close', onClose)
      init.signal?.addEventListener('abort', onAbort, { once: true })
    })
  } catch (err) {
    socket.destroy()
    throw err
  }
  socket.write(encodeHello({ token: init.grant.token, peerId: init.localPeerId }))
  return socket
}

import { createCipheriv, randomBytes } from 'node:crypto'
import type { Cipheriv } from 'node:crypto'
import { AbstractMultiaddrConnection, byteStream } from '@libp2p/utils'
import type { AbortOptions, ConnectionProtector, MultiaddrConnection } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

const NONCE_LENGTH = 16

/**
 * Default time allowed for the nonce exchange
 *
 * @default 5000
 */
export const DEFAULT_PSK_HANDSHAKE_TIMEOUT = 5000

/**
 * A private-network connection protector. Both sides send a random 16-byte
 * nonce; each direction is then XORed with a ChaCha20 key stream from the
 * shared 32-byte secret and the sender's nonce. A node without the secret
 * produces garbage, so the noise handshake that follows fails.
 *
 * (libp2p's own pnet uses a WASM XSalsa20 whose memory cannot grow past the
 * largest chunk it is handed, which breaks under sustained block transfers;
 * Node's native ChaCha20 is faster and has no such limit.)
 */
class ChaChaStream extends AbstractMultiaddrConnection {
  private readonly inner: MultiaddrConnection
  private readonly inbound: Cipheriv
  private readonly outbound: Cipheriv

  constructor (inner: MultiaddrConnection, secret: Uint8Array, localNonce: Uint8Array, remoteNonce: Uint8Array) {
    super({ remoteAddr: inner.remoteAddr, direction: inner.direction, log: inner.log.newScope('psk') })
    this.inner = inner
    this.inbound = createCipheriv('chacha20', secret, remoteNonce)
    this.outbound = createCipheriv('chacha20', secret, localNonce)
    inner.addEventListener('message', (evt: any) => {
      const data: Uint8Array | Uint8ArrayList = evt.data
      if (data instanceof Uint8Array) {
        this.onData(this.inbound.update(data))
      } else {
        for (const buf of data) this.onData(this.inbound.update(buf))
      }
    })
    inner.addEventListener('drain', () => { this.onMuxerDrain() })
    inner.addEventListener('close', (evt: any) => {
      if (evt.error != null) {
        if (evt.local === true) this.abort(evt.error)
        else this.onRemoteReset()
      } else {
        this.onTransportClosed()
      }
    })
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    await this.inner.close(options)
  }

  sendData (data: any): { sentBytes: number, canSendMore: boolean } {
    const list = data as Uint8ArrayList
    let canSendMore = true
    for (const buf of list) {
      canSendMore = this.inner.send(this.outbound.update(buf))
    }
    return { sentBytes: data.byteLength, canSendMore }
  }

  sendReset (err: Error): void { this.inner.abort(err) }
  sendPause (): void { this.inner.pause() }
  sendResume (): void { this.inner.resume() }
}

class ChaChaProtector implements ConnectionProtector {
  readonly [Symbol.toStringTag] = 'precache-psk'
  constructor (private readonly secret: Uint8Array, private readonly timeout: number) {}

  async protect (connection: MultiaddrConnection, options?: AbortOptions): Promise<MultiaddrConnection> {
    // ChaCha20's IV is a 4-byte block counter (starting at 0) and a 12-byte random nonce
    const localNonce = randomBytes(NONCE_LENGTH)
    localNonce.fill(0, 0, 4)
    const opts = options?.signal != null ? options : { signal: AbortSignal.timeout(this.timeout) }
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([
      bytes.read({ bytes: NONCE_LENGTH, ...opts }),
      bytes.write(localNonce, opts)
    ])
    const remoteNonce = remote.subarray()
    remoteNonce.fill(0, 0, 4)
    return new ChaChaStream(bytes.unwrap(), this.secret, localNonce, remoteNonce)
  }
}

/** A libp2p connectionProtector for a 32-byte swarm secret */
export function swarmKeyProtector (secret: Uint8Array, timeout = DEFAULT_PSK_HANDSHAKE_TIMEOUT): () => ConnectionProtector {
  return () => new ChaChaProtector(secret, timeout)
}

/**
 * The bulk channel's listening side. A node hands a one-time grant (token
 * and, for TLS, a pre-shared key) to a neighbour over the noise-secured
 * libp2p stream; the neighbour dials this listener and presents it. Anything
 * else — no TLS PSK, an unknown, expired or used token, a HELLO whose peer id
 * is not the one the grant was made for, garbage, silence — is closed at once.
 */
import { createServer, type Server, type Socket } from 'node:net'
import * as tls from 'node:tls'
import { randomBytes } from 'node:crypto'
import { BulkDecodeError, errorMessage } from '../../errors.js'
import { decodeHello, MAX_HELLO_BYTES, TOKEN_BYTES } from './frames.js'
import { BULK_TLS_OPTIONS, pskIdentity, type DataEncryption } from './tls.js'

/**
 * Time from TCP accept to a complete, valid HELLO (as long as the dialling
 * side waits, see DEFAULT_BULK_DIAL_TIMEOUT; connections in a handshake are
 * bounded by DEFAULT_MAX_PENDING). @default 20000
 */
export const DEFAULT_BULK_HANDSHAKE_TIMEOUT = 20_000
/**
 * Bulk-channel connections open at once on the listener (each node keeps one
 * per neighbour it exchanges blocks with)
 *
 * @default 4096
 */
export const MAX_BULK_CONNECTIONS = 4096
/** How long a grant may wait to be used. @default 30000 */
export const DEFAULT_GRANT_TTL = 30_000
/** Connections still in their handshake at once; more are closed. @default 64 */
export const DEFAULT_MAX_PENDING = 64
/** Grants waiting to be used at once; the oldest is dropped beyond this. @default 1024 */
export const DEFAULT_MAX_GRANTS = 1024

export interface Grant {
  token: Uint8Array
  /** the TLS pre-shared key (32 bytes); unused with data_encryption = none */
  secret: Uint8Array
}

/** Why a connection was refused, and the peer that a presented grant was made for (if any) */
export interface Refusal { reason: string, peerId?: string }

export interface BulkListenerInit {
  encryption: DataEncryption
  /** address to bind. @default '::' (every address, IPv4 and IPv6) */
  host?: string
  /** port to bind; 0 = any free port. @default 0 */
  port?: number
  handshakeTimeout?: number
  grantTtl?: number
  maxPending?: number
  /** a connection was refused (log, strike `peerId` when present) */
  onRefused?: (r: Refusal) => void
  /** a banned peer's grants are refused */
  isBanned?: (peerId: string) => boolean
  /** decodes a HELLO's peer id bytes to the peer id text; throws on garbage */
  peerIdText: (bytes: Uint8Array) => string
}

export interface BulkListener {
  readonly port: number
  readonly encryption: DataEncryption
  /** a one-time grant for `peerId`; `accept` receives the socket (and bytes read past the HELLO) */
  issue: (peerId: string, accept: (socket: Socket, rest: Uint8Array) => void) => Grant
  /** forgets a grant not used yet */
  revoke: (grant: Grant) => void
  close: () => Promise<void>
}

interface Pending { peerId: string, secret: Uint8Array, expires: number, accept: (socket: Socket, rest: Uint8Array) => void }

export async function createBulkListener (init: BulkListenerInit): Promise<BulkListener> {
  const timeout = init.handshakeTimeout ?? DEFAULT_BULK_HANDSHAKE_TIMEOUT
  const ttl = init.grantTtl ?? DEFAULT_GRANT_TTL
  const maxPending = init.maxPending ?? DEFAULT_MAX_PENDING
  const grants = new Map<string, Pending>()
  const sockets = new Set<Socket>()
  let pending = 0

  const lookup = (token: Uint8Array): Pending | undefined => {
    const g = grants.get(pskIdentity(token))
    if (g == null) return undefined
    if (g.expires < Date.now()) { grants.delete(pskIdentity(token)); return undefined }
    return g
  }

  const refuse = (socket: Socket, r: Refusal): void => {
    socket.destroy()
    init.onRefused?.(r)
  }

  /** reads the HELLO off an (authenticated, for TLS) socket and hands the socket over */
  const onConnection = (socket: Socket, pskToken?: string): void => {
    let buf = new Uint8Array(0)
    let done = false
    const timer = setTimeout(() => { finish(); refuse(socket, { reason: 'no bulk HELLO in time' }) }, timeout)
    const finish = (): void => {
      done = true
      pending--
      clearTimeout(timer)
      socket.removeListener('data', onData)
    }
    const onData = (chunk: Buffer): void => {
      if (done) return
      const joined = new Uint8Array(buf.length + chunk.length)
      joined.set(buf)
      joined.set(chunk, buf.length)
      buf = joined
      let got
      try {
        got = decodeHello(buf.subarray(0, Math.min(buf.length, MAX_HELLO_BYTES)))
      } catch (err) {
        finish(); refuse(socket, { reason: err instanceof BulkDecodeError ? errorMessage(err) : 'garbage' }); return
      }
      if (got == null) return
      finish()
      socket.pause()
      const id = pskIdentity(got.hello.token)
      const g = lookup(got.hello.token)
      if (g == null || (pskToken != null && pskToken !== id)) { refuse(socket, { reason: 'unknown, expired or already used bulk token' }); return }
      grants.delete(id) // one use only
      let claimed: string
      try { claimed = init.peerIdText(got.hello.peerId) } catch { refuse(socket, { reason: 'bulk HELLO carries a malformed peer id', peerId: g.peerId }); return }
      if (claimed !== g.peerId) { refuse(socket, { reason: `bulk HELLO names peer ${claimed}, the token was given to ${g.peerId}`, peerId: g.peerId }); return }
      if (init.isBanned?.(g.peerId) === true) { refuse(socket, { reason: 'peer is banned', peerId: g.peerId }); return }
      g.accept(socket, buf.subarray(got.length))
    }
    socket.on('data', onData)
  }

  const admit = (socket: Socket): boolean => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
    socket.on('error', () => {})
    if (pending >= maxPending) { refuse(socket, { reason: 'too many bulk handshakes at once' }); return false }
    pending++
    return true
  }

  // which PSK identity each TLS socket used, to match against its HELLO
  const usedIdentity = new WeakMap<object, string>()
  let server: Server
  if (init.encryption === 'tls') {
    const srv = tls.createServer({
      ...BULK_TLS_OPTIONS,
      handshakeTimeout: timeout,
      pskCallback: (socket: tls.TLSSocket, identity: string) => {
        const token = /^[0-9a-f]{64}$/.test(identity) ? Buffer.from(identity, 'hex') : undefined
        const g = token != null && token.length === TOKEN_BYTES ? lookup(token) : undefined
        if (g == null) return null
        usedIdentity.set(socket, identity)
        return Buffer.from(g.secret)
      }
    } as tls.TlsOptions)
    // the TLS handshake itself is bounded by handshakeTimeout; the HELLO
    // phase after it counts against maxPending like a plain connection
    srv.on('secureConnection', (socket: tls.TLSSocket) => {
      if (admit(socket)) onConnection(socket, usedIdentity.get(socket))
    })
    srv.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      socket.destroy()
      init.onRefused?.({ reason: `TLS handshake refused: ${errorMessage(err).split('\n')[0].trim()}` })
    })
    server = srv
  } else {
    server = createServer(socket => { if (admit(socket)) onConnection(socket) })
  }
  server.maxConnections = MAX_BULK_CONNECTIONS

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? 0, init.host ?? '::', () => { server.off('error', reject); resolve() })
  })
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [k, g] of grants) if (g.expires < now) grants.delete(k)
  }, ttl)
  sweep.unref()

  return {
    port: (server.address() as { port: number }).port,
    encryption: init.encryption,
    issue (peerId, accept) {
      if (grants.size >= DEFAULT_MAX_GRANTS) grants.delete(grants.keys().next().value as string)
      const grant = { token: randomBytes(TOKEN_BYTES), secret: randomBytes(32) }
      grants.set(pskIdentity(grant.token), { peerId, secret: grant.secret, expires: Date.now() + ttl, accept })
      return grant
    },
    revoke (grant) {
      grants.delete(pskIdentity(grant.token))
    },
    async close () {
      clearInterval(sweep)
      grants.clear()
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}

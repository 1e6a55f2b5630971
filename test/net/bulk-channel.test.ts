import test from 'ava'
import { connect, type Socket } from 'node:net'
import * as tls from 'node:tls'
import { randomBytes } from 'node:crypto'
import { BulkDecodeError } from '../../src/errors.js'
import { createBulkListener, type BulkListener, type Refusal } from '../../src/net/bulk/listener.js'
import { dialBulk } from '../../src/net/bulk/dial.js'
import { createBulkChannel } from '../../src/net/bulk/channel.js'
import { encodeBlockHeader, encodeHello } from '../../src/net/bulk/frames.js'
import type { DataEncryption } from '../../src/net/bulk/tls.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const ALICE = Uint8Array.from([0, 5, 1, 2, 3, 4, 5])
const MALLORY = Uint8Array.from([0, 5, 9, 9, 9, 9, 9])

async function listen (encryption: DataEncryption): Promise<{ listener: BulkListener, refusals: Refusal[] }> {
  const refusals: Refusal[] = []
  const listener = await createBulkListener({ encryption, host: '127.0.0.1', port: 0, handshakeTimeout: 2000, peerIdText: hex, onRefused: r => refusals.push(r) })
  return { listener, refusals }
}

/** resolves when the socket is closed by the other side (or errors) */
const closed = async (s: Socket): Promise<void> => { await new Promise<void>(resolve => { s.once('close', () => { resolve() }); s.on('error', () => {}); s.resume() }) }

const accepted = (listener: BulkListener, peer: Uint8Array) => {
  let grantAccept!: (v: { socket: Socket, rest: Uint8Array }) => void
  const got = new Promise<{ socket: Socket, rest: Uint8Array }>(resolve => { grantAccept = resolve })
  const grant = listener.issue(hex(peer), (socket, rest) => { grantAccept({ socket, rest }) })
  return { grant, got }
}

for (const encryption of ['tls', 'none'] as const) {
  test(`${encryption}: a granted peer opens a channel and blocks cross it both ways byte for byte`, async t => {
    const { listener } = await listen(encryption)
    const { grant, got } = accepted(listener, ALICE)
    const client = await dialBulk({ host: '127.0.0.1', port: listener.port, encryption, grant, localPeerId: ALICE })
    const server = await got
    const data = randomBytes(300_000)
    const received: Array<{ side: string, index: number, bytes: string }> = []
    let done!: () => void
    const all = new Promise<void>(resolve => { done = resolve })
    const mk = (side: string, socket: Socket, rest?: Uint8Array) => createBulkChannel({
      socket, rest, maxBlockSize: 1 << 20, wants: () => true,
      onBlock: (index, d, release) => { received.push({ side, index, bytes: hex(d) }); release(); if (received.length === 2) done() },
      onClose: () => {}
    })
    const a = mk('client', client)
    const b = mk('server', server.socket, server.rest)
    await a.sendBlock(7, data)
    await b.sendBlock(8, data.subarray(5))
    await all
    t.deepEqual(received.sort((x, y) => x.index - y.index), [{ side: 'server', index: 7, bytes: hex(data) }, { side: 'client', index: 8, bytes: hex(data.subarray(5)) }])
    a.close(); b.close()
    await listener.close()
  })

  test(`${encryption}: a replayed token, a wrong token and a peer id mismatch are refused`, async t => {
    const { listener, refusals } = await listen(encryption)
    const { grant, got } = accepted(listener, ALICE)
    const first = await dialBulk({ host: '127.0.0.1', port: listener.port, encryption, grant, localPeerId: ALICE })
    await got
    // the same grant again: TLS fails in the handshake (unknown PSK), plain TCP at the HELLO
    const replay = await dialBulk({ host: '127.0.0.1', port: listener.port, encryption, grant, localPeerId: ALICE }).catch(() => undefined)
    if (replay != null) await closed(replay)
    const wrong = { token: randomBytes(32), secret: randomBytes(32) }
    const w = await dialBulk({ host: '127.0.0.1', port: listener.port, encryption, grant: wrong, localPeerId: ALICE }).catch(() => undefined)
    if (w != null) await closed(w)
    // a grant made for Alice, presented in a HELLO that names Mallory
    const second = listener.issue(hex(ALICE), () => { t.fail('accepted a peer id mismatch') })
    const m = await dialBulk({ host: '127.0.0.1', port: listener.port, encryption, grant: second, localPeerId: MALLORY }).catch(() => undefined)
    if (m != null) await closed(m)
    t.true(refusals.length >= 3)
    t.true(refusals.some(r => r.peerId === hex(ALICE)), 'the mismatch is charged to the peer the token was given to')
    first.destroy()
    await listener.close()
  })

  test(`${encryption}: garbage, silence and oversized frames are closed`, async t => {
    const { listener, refusals } = await listen(encryption)
    // garbage instead of a handshake
    const g = connect({ host: '127.0.0.1', port: listener.port })
    g.on('connect', () => { g.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n') })
    await closed(g)
    // silence: closed after the handshake deadline
    const s = connect({ host: '127.0.0.1', port: listener.port })
    await closed(s)
    // an oversized BLOCK after a valid HELLO: the receiving channel fails with BulkDecodeError
    const { grant, got } = accepted(listener, ALICE)
    const client = await dialBulk({ host: '127.0.0.1', port: listener.port, encryption, grant, localPeerId: ALICE })
    const server = await got
    const failure = new Promise<Error | undefined>(resolve => {
      createBulkChannel({ socket: server.socket, rest: server.rest, maxBlockSize: 1024, wants: () => true, onBlock: () => { t.fail('oversized block delivered') }, onClose: resolve })
    })
    client.write(encodeBlockHeader(1, 1025))
    client.write(Buffer.alloc(1025))
    t.true((await failure) instanceof BulkDecodeError)
    await closed(client)
    t.true(refusals.length >= 2)
    await listener.close()
  })
}

test('tls: a TLS client without the pre-shared key (certificate-based, unauthenticated) is refused', async t => {
  const { listener, refusals } = await listen('tls')
  const c = tls.connect({ host: '127.0.0.1', port: listener.port, rejectUnauthorized: false, minVersion: 'TLSv1.3' })
  const outcome = await new Promise<string>(resolve => {
    c.once('secureConnect', () => { resolve('connected') })
    c.once('error', () => { resolve('refused') })
    c.once('close', () => { resolve('refused') })
  })
  c.destroy()
  t.is(outcome, 'refused')
  // and a plain-TCP HELLO with a real token is not accepted by a TLS listener either
  const grant = listener.issue(hex(ALICE), () => { t.fail('accepted plaintext on a TLS listener') })
  const p = connect({ host: '127.0.0.1', port: listener.port })
  p.on('connect', () => { p.write(encodeHello({ token: grant.token, peerId: ALICE })) })
  await closed(p)
  t.true(refusals.length >= 1)
  await listener.close()
})

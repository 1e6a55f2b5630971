/**
 * The relayed-announcement codecs (signed envelope, catalogue pull) on
 * hostile input, and the order rules that stop a relay from replaying.
 */
import test from 'ava'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { UntrustedAnnouncementError, WireDecodeError } from '../../src/errors.js'
import { decodeSignedAnnouncement, signAnnouncement, verifyAnnouncement } from '../../src/distribute/signed.js'
import { decodePullReply, decodePullRequest, encodePullReply, encodePullRequest, MAX_PULL_PEERS } from '../../src/distribute/catalogue-wire.js'
import { createAnnouncementOrder } from '../../src/distribute/catalogue-order.js'
import { meta } from './fixtures.js'

const onlyWireErrors = (fn: () => unknown): void => {
  try { fn() } catch (err) { if (!(err instanceof WireDecodeError)) throw err }
}

test('a signed announcement round-trips and verifies; any other signer, or a changed byte, is refused', async t => {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key).toString()
  const bytes = await signAnnouncement(key, id, { type: 'cache', meta: meta('a'), seq: 5 })
  const s = decodeSignedAnnouncement(bytes)
  t.is(s.signer, id)
  t.deepEqual(s.announcement, { type: 'cache', meta: meta('a'), seq: 5 })
  await t.notThrowsAsync(verifyAnnouncement(s, new Set([id])))
  await t.throwsAsync(verifyAnnouncement(s, new Set(['12D3KooWAfW2jWt4AGETVDVynNkfDxwgUdDgkeAt3SwpomLjCMeC'])), { instanceOf: UntrustedAnnouncementError })
  // every single-byte change of the body either fails to decode or fails to verify
  const bodyStart = bytes.length - s.body.length
  for (let i = bodyStart; i < bytes.length; i += 7) {
    const bad = bytes.slice()
    bad[i] ^= 0x01
    let decoded
    try { decoded = decodeSignedAnnouncement(bad) } catch (err) { t.true(err instanceof WireDecodeError); continue }
    await t.throwsAsync(verifyAnnouncement(decoded, new Set([id])), { instanceOf: UntrustedAnnouncementError })
  }
})

test('property: arbitrary bytes, and truncated or extended envelopes, only ever raise WireDecodeError', async t => {
  const key = await generateKeyPair('Ed25519')
  const good = await signAnnouncement(key, peerIdFromPrivateKey(key).toString(), { type: 'withdraw', imageId: 'x', seq: 1 })
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), b => { onlyWireErrors(() => decodeSignedAnnouncement(b)) }), { numRuns: 3000 })
  fc.assert(fc.property(fc.nat(good.length), fc.uint8Array({ maxLength: 40 }), (cut, tail) => {
    onlyWireErrors(() => decodeSignedAnnouncement(good.subarray(0, cut)))
    onlyWireErrors(() => decodeSignedAnnouncement(Buffer.concat([good.subarray(0, cut), tail])))
  }), { numRuns: 2000 })
  t.pass()
})

test('pull request and reply round-trip, and their decoders take arbitrary bytes', t => {
  const id = Uint8Array.from({ length: 38 }, (_, i) => i)
  t.deepEqual(decodePullRequest(encodePullRequest({ seeder: id, haveSeq: Number.MAX_SAFE_INTEGER })), { seeder: id, haveSeq: Number.MAX_SAFE_INTEGER })
  const peers = [{ id, addrs: [Uint8Array.of(4, 127, 0, 0, 1), Uint8Array.of(1)] }, { id: Uint8Array.of(9), addrs: [] }]
  t.deepEqual(decodePullReply(Uint8Array.from(Buffer.concat(encodePullReply({ link: true, peers })))), { link: true, peers })
  t.deepEqual(decodePullReply(Uint8Array.from(Buffer.concat(encodePullReply({ link: false, peers: [], signed: Uint8Array.of(1, 2, 3) })))), { link: false, peers: [], signed: Uint8Array.of(1, 2, 3) })
  t.throws(() => encodePullReply({ link: false, peers: Array.from({ length: MAX_PULL_PEERS + 1 }, () => peers[1]) }), { instanceOf: RangeError })
  // haveSeq above 2^53 − 1, unknown flags, trailing bytes without the "signed" flag
  const big = encodePullRequest({ seeder: id, haveSeq: 0 })
  big.fill(0xff, big.length - 8)
  t.throws(() => decodePullRequest(big), { instanceOf: WireDecodeError })
  t.throws(() => decodePullReply(Uint8Array.of(4, 0)), { instanceOf: WireDecodeError })
  t.throws(() => decodePullReply(Uint8Array.of(0, 0, 1)), { instanceOf: WireDecodeError })
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), b => {
    onlyWireErrors(() => decodePullRequest(b))
    onlyWireErrors(() => decodePullReply(b))
  }), { numRuns: 4000 })
  const reply = Buffer.concat(encodePullReply({ link: true, peers, signed: Uint8Array.of(7) }))
  fc.assert(fc.property(fc.nat(reply.length), fc.nat(255), fc.nat(reply.length - 1), (cut, value, at) => {
    const b = Buffer.from(reply)
    b[at] = value
    onlyWireErrors(() => decodePullReply(b.subarray(0, cut)))
    onlyWireErrors(() => decodePullReply(b))
  }), { numRuns: 4000 })
})

test('order: a catalogue or announcement not newer than what is known is stale; a catalogue older than a cache it crossed cannot withdraw it', t => {
  const o = createAnnouncementOrder()
  t.is(o.check('s', { type: 'catalogue', seq: 10 }), 'apply')
  t.is(o.check('s', { type: 'catalogue', seq: 10 }), 'stale', 'a repeat')
  t.is(o.check('s', { type: 'catalogue', seq: 9 }), 'stale', 'a replay of an older one')
  t.is(o.check('s', { type: 'cache', seq: 9, imageId: 'a' }), 'stale', 'older than the catalogue')
  t.is(o.check('s', { type: 'cache', seq: 12, imageId: 'b' }), 'apply')
  t.is(o.check('s', { type: 'withdraw', seq: 11, imageId: 'a' }), 'apply', 'another image, out of order: still news')
  t.is(o.check('s', { type: 'cache', seq: 11, imageId: 'b' }), 'stale', 'older than what is known of b')
  t.is(o.check('s', { type: 'catalogue', seq: 11 }), 'stale', 'predates the cache of b (seq 12): could withdraw b')
  t.is(o.check('s', { type: 'catalogue', seq: 12 }), 'apply', 'the catalogue that includes b')
  t.is(o.check('other', { type: 'catalogue', seq: 1 }), 'apply', 'seeders are ordered separately')
})

test('property: order memory stays bounded, and forgetting never lets a replay through', t => {
  fc.assert(fc.property(fc.array(fc.record({ type: fc.constantFrom('cache', 'withdraw', 'catalogue'), seq: fc.nat(10_000), imageId: fc.string({ maxLength: 3 }) }), { maxLength: 300 }), events => {
    const o = createAnnouncementOrder({ maxImages: 8 })
    const applied = new Map<string, number>()
    let catalogue = 0
    for (const e of events) {
      const v = o.check('s', e)
      if (v !== 'apply') continue
      if (e.type === 'catalogue') {
        if (e.seq <= catalogue) return false
        for (const seq of applied.values()) if (seq > e.seq) return false
        catalogue = e.seq
        applied.clear()
      } else {
        if (e.seq <= catalogue || e.seq <= (applied.get(e.imageId) ?? 0)) return false
        applied.set(e.imageId, e.seq)
      }
    }
    return true
  }), { numRuns: 500 })
  t.pass()
})

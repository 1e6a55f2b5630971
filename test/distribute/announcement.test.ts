import test from 'ava'
import fc from 'fast-check'
import { decodeAnnouncement, encodeAnnouncement } from '../../src/distribute/announcement.js'
import { WireDecodeError } from '../../src/errors.js'

const meta = {
  imageId: 'ubuntu-24.04',
  manifestId: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  size: 123,
  blockSize: 1048576,
  sha256: 'c'.repeat(64),
  seeders: [{ peerId: '12D3KooWAfW2jWt4AGETVDVynNkfDxwgUdDgkeAt3SwpomLjCMeC', addrs: ['/ip4/127.0.0.1/tcp/4001'] }]
}

test('announcements round-trip', t => {
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta })), { type: 'cache', meta })
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'withdraw', imageId: 'a' })), { type: 'withdraw', imageId: 'a' })
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'catalogue', generation: 7, complete: true, images: [meta, meta] })), { type: 'catalogue', generation: 7, complete: true, images: [meta, meta] })
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta: { ...meta, pin: true } })), { type: 'cache', meta: { ...meta, pin: true } })
})

test('a catalogue without a generation and a complete flag (an older seeder) is never complete, so it never withdraws', t => {
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'catalogue', images: [meta] })), { type: 'catalogue', images: [meta], complete: false })
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'catalogue', complete: true, images: [] })), { type: 'catalogue', images: [], complete: false })
  t.throws(() => decodeAnnouncement(new TextEncoder().encode(JSON.stringify({ v: 1, type: 'catalogue', generation: 1, complete: 'yes', images: [] }))), { instanceOf: WireDecodeError })
  t.throws(() => decodeAnnouncement(new TextEncoder().encode(JSON.stringify({ v: 1, type: 'catalogue', generation: -1, complete: true, images: [] }))), { instanceOf: WireDecodeError })
})

test('path-like image ids and bad hashes are refused', t => {
  t.throws(() => decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta: { ...meta, imageId: '../../etc/passwd' } })), { instanceOf: WireDecodeError })
  t.throws(() => decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta: { ...meta, sha256: 'zz' } })), { instanceOf: WireDecodeError })
  t.throws(() => decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta: { ...meta, size: -1 } })), { instanceOf: WireDecodeError })
  t.throws(() => decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta: { ...meta, seeders: [] } })), { instanceOf: WireDecodeError })
})

test('withdraw refuses the ids cache refuses, "." and ".." included', t => {
  for (const imageId of ['.', '..', '../x', 'a/b', '', 'x'.repeat(256)]) {
    t.throws(() => decodeAnnouncement(encodeAnnouncement({ type: 'withdraw', imageId })), { instanceOf: WireDecodeError }, imageId)
    t.throws(() => decodeAnnouncement(encodeAnnouncement({ type: 'cache', meta: { ...meta, imageId } })), { instanceOf: WireDecodeError }, imageId)
  }
  t.deepEqual(decodeAnnouncement(encodeAnnouncement({ type: 'withdraw', imageId: '..a' })), { type: 'withdraw', imageId: '..a' })
})

test('property: arbitrary bytes and arbitrary JSON only ever raise WireDecodeError', t => {
  const check = (bytes: Uint8Array): void => {
    try { decodeAnnouncement(bytes) } catch (err) { if (!(err instanceof WireDecodeError)) throw err }
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), check), { numRuns: 2000 })
  fc.assert(fc.property(fc.jsonValue(), fc.constantFrom('cache', 'withdraw', 'catalogue', 'x'), (v, type) => {
    check(new TextEncoder().encode(JSON.stringify(v)))
    check(new TextEncoder().encode(JSON.stringify({ v: 1, type, meta: v, images: [v], imageId: v })))
  }), { numRuns: 2000 })
  t.pass()
})

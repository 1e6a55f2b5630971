import test from 'ava'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { Uint8ArrayList } from 'uint8arraylist'
import { createDecoder, encode } from '../../src/swarm/wire.js'
import { MAX_BLOCK_SIZE } from '../../src/image/limits.js'
import type { Message } from '../../src/swarm/wire.js'
import { WireDecodeError } from '../../src/errors.js'

const concat = (chunks: Uint8Array[]): Uint8Array => new Uint8ArrayList(...chunks).subarray()

/** plain data for comparison: byte arrays (Uint8Array, Buffer, Uint8ArrayList) become number arrays */
function normalise (v: any): any {
  if (v instanceof Uint8ArrayList) return Array.from(v.subarray())
  if (v instanceof Uint8Array) return Array.from(v)
  if (Array.isArray(v)) return v.map(normalise)
  if (v != null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]))
  return v
}

const samples: Message[] = [
  { type: 'hello', manifestId: Uint8Array.from([1, 85, 18, 32, ...new Uint8Array(32).fill(7)]), seeder: true },
  { type: 'manifest-request' },
  { type: 'manifest', manifest: new Uint8Array(100).fill(3), signature: new Uint8Array(64).fill(9) },
  { type: 'bitfield', count: 13, bits: Uint8Array.from([0xff, 0xf8]) },
  { type: 'have', index: 0 },
  { type: 'request', index: 1048575 },
  { type: 'cancel', index: 42 },
  { type: 'reject', index: 7 },
  { type: 'corrupt', index: 9 },
  { type: 'block', index: 3, data: new Uint8Array(70000).fill(5) },
  { type: 'data-channel', encryption: 'tls', port: 0 },
  { type: 'data-channel', encryption: 'none', port: 4101, grant: { token: new Uint8Array(32).fill(1), secret: new Uint8Array(32).fill(2) } },
  { type: 'peers', peers: [{ id: new Uint8Array(38).fill(1), addrs: [new Uint8Array(8).fill(4), new Uint8Array(3).fill(2)] }, { id: Uint8Array.of(1), addrs: [] }] }
]

test('every message type round-trips, whole and split at every byte', t => {
  for (const msg of samples) {
    const bytes = concat(encode(msg))
    const whole = createDecoder()
    whole.push(bytes)
    t.deepEqual(normalise(whole.next() as Message), normalise(msg), msg.type)
    t.is(whole.next(), undefined)
    if (bytes.length > 2000) continue
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = createDecoder()
      d.push(bytes.subarray(0, cut))
      const early = d.next()
      d.push(bytes.subarray(cut))
      t.deepEqual(normalise((early ?? d.next()) as Message), normalise(msg))
    }
  }
})

test('several messages in one chunk come out in order', t => {
  const d = createDecoder()
  d.push(concat(samples.flatMap(m => encode(m))))
  for (const m of samples) t.is(d.next()?.type, m.type)
  t.is(d.next(), undefined)
  t.is(d.buffered, 0)
})

test('malformed frames raise WireDecodeError', t => {
  const cases: Array<[string, number[]]> = [
    ['unknown type', [1, 0x7f]],
    ['HELLO with unknown flags', [3, 0x01, 0x02, 0x01]],
    ['HAVE too short', [3, 0x05, 0, 0]],
    ['index out of range', [5, 0x06, 0xff, 0xff, 0xff, 0xff]],
    ['bitfield with spare bits', [6, 0x04, 0, 0, 0, 4, 0x0f]],
    ['bitfield length mismatch', [6, 0x04, 0, 0, 0, 9, 0xff]],
    ['MANIFEST_REQUEST with payload', [2, 0x02, 0]],
    ['PEERS trailing bytes', [3, 0x0a, 0, 9]],
    ['zero-length frame', [0]],
    ['overlong varint', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]
  ]
  for (const [what, bytes] of cases) {
    const d = createDecoder()
    d.push(Uint8Array.from(bytes))
    t.throws(() => d.next(), { instanceOf: WireDecodeError }, what)
  }
})

test('a frame longer than any allowed message is refused before its body arrives', t => {
  const d = createDecoder({ maxBlockSize: 1024, maxManifestBytes: 1024 })
  const prefix: number[] = []
  let n = 64 * 1024 * 1024
  while (n >= 0x80) { prefix.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  prefix.push(n)
  d.push(Uint8Array.from(prefix))
  t.throws(() => d.next(), { instanceOf: WireDecodeError })
})

test('a block above the negotiated block size is refused', t => {
  const d = createDecoder({ maxBlockSize: 1024 })
  d.push(concat(encode({ type: 'block', index: 0, data: new Uint8Array(2048) })))
  t.throws(() => d.next(), { instanceOf: WireDecodeError })
})

const varint = (n: number): number[] => {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

test('the first message of a stream: only a HELLO, and a longer length prefix is refused before any body arrives', t => {
  // the attack of issue 11: the largest prefix the old decoder allowed
  const d = createDecoder({ helloOnly: true })
  d.push(Uint8Array.from(varint(33_620_483)))
  t.throws(() => d.next(), { instanceOf: WireDecodeError })
  const e = createDecoder({ helloOnly: true })
  e.push(concat(encode({ type: 'have', index: 1 })))
  t.throws(() => e.next(), { instanceOf: WireDecodeError }, 'another type first')
  const limits = { helloOnly: true }
  const f = createDecoder(limits)
  f.push(concat(encode(samples[0])))
  t.is(f.next()?.type, 'hello')
  limits.helloOnly = false
  f.push(concat(encode({ type: 'have', index: 1 })))
  t.is(f.next()?.type, 'have', 'after the handshake the session widens the limits')
})

test('each message type has its own largest frame, checked at the type byte', t => {
  // a HAVE claiming 1 MiB, and a MANIFEST where none is accepted, fail with 2 bytes of body buffered
  const d = createDecoder({ maxBlockSize: 1024 * 1024 })
  d.push(Uint8Array.from([...varint(1024 * 1024), 0x05]))
  t.throws(() => d.next(), { instanceOf: WireDecodeError })
  const m = createDecoder({ maxBlockSize: 1024 * 1024, maxManifestBytes: 0 })
  m.push(Uint8Array.from([...varint(1000), 0x03]))
  t.throws(() => m.next(), { instanceOf: WireDecodeError })
  const b = createDecoder({ maxBlockSize: 1024 * 1024 })
  b.push(Uint8Array.from([...varint(5 + 1024 * 1024 + 1), 0x08]))
  t.throws(() => b.next(), { instanceOf: WireDecodeError }, 'a BLOCK one byte above the block size')
})

test('the encoder refuses messages outside the bounds (programming errors)', t => {
  t.throws(() => encode({ type: 'block', index: 0, data: new Uint8Array(MAX_BLOCK_SIZE + 1) }), { instanceOf: RangeError })
  t.throws(() => encode({ type: 'have', index: -1 }), { instanceOf: RangeError })
  t.throws(() => encode({ type: 'bitfield', count: 9, bits: new Uint8Array(1) }), { instanceOf: RangeError })
})

test('property: arbitrary bytes in arbitrary chunks only ever raise WireDecodeError, with bounded buffering', t => {
  const limits = { maxBlockSize: 64 * 1024, maxManifestBytes: 64 * 1024 }
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 20 }), chunks => {
    const d = createDecoder(limits)
    try {
      for (const c of chunks) {
        d.push(c)
        while (d.next() !== undefined) { /* drain */ }
        // never more than one bounded frame plus the chunk just pushed
        if (d.buffered > 5 + 64 * 1024 + 600 + c.length + 512 * 20) throw new Error(`buffered ${d.buffered}`)
      }
    } catch (err) {
      if (!(err instanceof WireDecodeError)) throw err
    }
  }), { numRuns: 3000 })
  t.pass()
})

const arbMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), manifestId: fc.uint8Array({ minLength: 1, maxLength: 128 }), seeder: fc.boolean() }),
  fc.constant({ type: 'manifest-request' as const }),
  fc.record({ type: fc.constant('manifest' as const), manifest: fc.uint8Array({ minLength: 1, maxLength: 300 }), signature: fc.uint8Array({ minLength: 1, maxLength: 512 }) }),
  fc.integer({ min: 1, max: 200 }).chain(count => fc.uint8Array({ minLength: Math.ceil(count / 8), maxLength: Math.ceil(count / 8) }).map(bits => {
    const b = Uint8Array.from(bits)
    const spare = b.length * 8 - count
    if (spare > 0) b[b.length - 1] &= 0xff << spare
    return { type: 'bitfield' as const, count, bits: b }
  })),
  fc.record({ type: fc.constantFrom('have' as const, 'request' as const, 'cancel' as const, 'reject' as const, 'corrupt' as const), index: fc.integer({ min: 0, max: (1 << 20) - 1 }) }),
  fc.record({ type: fc.constant('block' as const), index: fc.integer({ min: 0, max: 1000 }), data: fc.uint8Array({ minLength: 1, maxLength: 3000 }) }),
  fc.record({ type: fc.constant('peers' as const), peers: fc.array(fc.record({ id: fc.uint8Array({ minLength: 1, maxLength: 40 }), addrs: fc.array(fc.uint8Array({ minLength: 1, maxLength: 30 }), { maxLength: 8 }) }), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('data-channel' as const), encryption: fc.constantFrom('tls' as const, 'none' as const), port: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ type: fc.constant('data-channel' as const), encryption: fc.constantFrom('tls' as const, 'none' as const), port: fc.integer({ min: 1, max: 65535 }), grant: fc.record({ token: fc.uint8Array({ minLength: 32, maxLength: 32 }), secret: fc.uint8Array({ minLength: 32, maxLength: 32 }) }) })
) as fc.Arbitrary<Message>

test('property: valid messages round-trip under any chunking', t => {
  fc.assert(fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 97 }), (msgs, step) => {
    const bytes = concat(msgs.flatMap(m => encode(m)))
    const d = createDecoder()
    const out: Message[] = []
    for (let i = 0; i < bytes.length; i += step) {
      d.push(bytes.subarray(i, i + step))
      let m: Message | undefined
      while ((m = d.next()) !== undefined) out.push(m)
    }
    if (!isDeepStrictEqual(out.map(normalise), msgs.map(normalise))) throw new Error('mismatch')
  }), { numRuns: 1000 })
  t.pass()
})

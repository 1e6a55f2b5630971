import test from 'ava'
import fc from 'fast-check'
import { decodeReport, encodeReport, MAX_REPORT_BYTES } from '../../src/distribute/report.js'
import type { Report } from '../../src/distribute/report.js'
import { WireDecodeError } from '../../src/errors.js'

const report: Report = {
  host: 'compute-7.example',
  labels: { host: 'compute-7.example', az: 'nova-1', 'topology.example/zone': 'z1' },
  version: '0.1.0',
  images: [
    { imageId: 'ubuntu-24.04', state: 'cached', size: 123, have: 1, blocks: 1, fromSeeders: 100, fromPeers: 23, reusedBytes: 0, seconds: 4 },
    { imageId: 'cirros', state: 'failed', size: 9, have: 0, blocks: 1, fromSeeders: 0, fromPeers: 0, reusedBytes: 0, seconds: 1, error: 'EPERM: rename' }
  ]
}
const encode = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

test('reports round-trip', t => {
  t.deepEqual(decodeReport(encodeReport(report)), report)
  t.deepEqual(decodeReport(encodeReport({ ...report, images: [] })), { ...report, images: [] })
})

test('the decoder refuses every out-of-bounds field', t => {
  const base = JSON.parse(new TextDecoder().decode(encodeReport(report)))
  const img = base.images[0]
  const bad: unknown[] = [
    { ...base, v: 2 },
    { ...base, host: '../etc' },
    { ...base, host: 'x'.repeat(254) },
    { ...base, labels: [] },
    { ...base, labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
    { ...base, labels: { 'bad key': 'v' } },
    { ...base, labels: { k: 7 } },
    { ...base, images: {} },
    { ...base, images: [img, img] },
    { ...base, images: [{ ...img, imageId: '..' }] },
    { ...base, images: [{ ...img, state: 'CACHED' }] },
    { ...base, images: [{ ...img, state: 'x'.repeat(33) }] },
    { ...base, images: [{ ...img, have: 2, blocks: 1 }] },
    { ...base, images: [{ ...img, size: -1 }] },
    { ...base, images: [{ ...img, seconds: 1.5 }] },
    { ...base, images: [{ ...img, fromPeers: '1' }] },
    { ...base, images: [{ ...img, error: 'e'.repeat(301) }] },
    { ...base, images: [null] },
    null, [], 'x'
  ]
  for (const b of bad) t.throws(() => decodeReport(encode(b)), { instanceOf: WireDecodeError }, JSON.stringify(b).slice(0, 80))
  t.throws(() => decodeReport(new Uint8Array(MAX_REPORT_BYTES + 1)), { instanceOf: WireDecodeError })
  t.throws(() => decodeReport(Uint8Array.of(0xff, 0xfe)), { instanceOf: WireDecodeError })
})

test('the encoder bounds what it sends: long errors are cut, fractional seconds rounded', t => {
  const r = decodeReport(encodeReport({ ...report, images: [{ ...report.images[1], error: 'e'.repeat(1000), seconds: 2.6 }] }))
  t.is(r.images[0].error?.length, 300)
  t.is(r.images[0].seconds, 3)
})

test('property: arbitrary bytes and arbitrary JSON only ever raise WireDecodeError', t => {
  const check = (bytes: Uint8Array): void => {
    try { decodeReport(bytes) } catch (err) { if (!(err instanceof WireDecodeError)) throw err }
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), check), { numRuns: 2000 })
  fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (v, w) => {
    check(encode(v))
    check(encode({ v: 1, host: 'h', labels: v, version: '1', images: [w] }))
    check(encode({ v: 1, host: v, labels: {}, version: w, images: v }))
    check(encode({ v: 1, host: 'h', labels: {}, version: '1', images: [{ ...report.images[0], [JSON.stringify(v)]: w }] }))
  }), { numRuns: 2000 })
  t.pass()
})

test('property: every report the encoder accepts decodes to itself', t => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/)
  const n = fc.nat({ max: 2 ** 40 })
  const image = fc.record({
    imageId: fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,30}$/),
    state: fc.constantFrom('cached', 'downloading', 'failed', 'waiting-for-space'),
    size: n, blocks: fc.nat({ max: 2 ** 20 }), fromSeeders: n, fromPeers: n, reusedBytes: n, seconds: fc.nat()
  }).map(i => ({ ...i, have: Math.floor(i.blocks / 2) }))
  fc.assert(fc.property(name, fc.dictionary(name, fc.string({ maxLength: 20 }), { maxKeys: 8 }), fc.uniqueArray(image, { selector: i => i.imageId, maxLength: 10 }), (host, labels, images) => {
    const r: Report = { host, labels, version: '0.1.0', images }
    t.deepEqual(decodeReport(encodeReport(r)), r)
  }), { numRuns: 300 })
})

import test from 'ava'
import fc from 'fast-check'
import { BulkDecodeError } from '../../src/errors.js'
import { BLOCK_HEADER_BYTES, createBulkDecoder, decodeHello, encodeBlockHeader, encodeHello, MAX_HELLO_BYTES, type BulkFrame } from '../../src/net/bulk/frames.js'

const MAX = 4096

/** splits bytes at the given cut points */
function split (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const c of [...at, bytes.length]) { if (c > prev) out.push(bytes.subarray(prev, c)); prev = Math.max(prev, c) }
  return out
}

function frame (index: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK_HEADER_BYTES + data.length)
  out.set(encodeBlockHeader(index, data.length))
  out.set(data, BLOCK_HEADER_BYTES)
  return out
}

const decoderFor = (wanted: (i: number) => boolean = () => true, acquired: number[] = []) => createBulkDecoder({
  maxBlockSize: MAX,
  acquire: (index, length) => { acquired.push(length); return wanted(index) ? new Uint8Array(MAX) : undefined }
})

test('blocks round-trip whatever the chunking, wanted ones whole and the rest skipped', t => {
  fc.assert(fc.property(
    fc.array(fc.record({ index: fc.integer({ min: 0, max: (1 << 20) - 1 }), data: fc.uint8Array({ minLength: 1, maxLength: MAX }) }), { maxLength: 6 }),
    fc.array(fc.nat(), { maxLength: 20 }),
    (blocks, cuts) => {
      const all = new Uint8Array(blocks.reduce((n, b) => n + BLOCK_HEADER_BYTES + b.data.length, 0))
      let off = 0
      for (const b of blocks) { all.set(frame(b.index, b.data), off); off += BLOCK_HEADER_BYTES + b.data.length }
      const d = decoderFor(i => i % 2 === 0)
      const got: BulkFrame[] = []
      for (const c of split(all, cuts)) got.push(...d.push(c))
      t.true(d.idle)
      t.is(got.length, blocks.length)
      got.forEach((f, i) => {
        t.is(f.index, blocks[i].index)
        if (f.type === 'block') t.deepEqual(Array.from(f.data), Array.from(blocks[i].data))
        else t.is(f.length, blocks[i].data.length)
        t.is(f.type === 'block', blocks[i].index % 2 === 0)
      })
    }), { numRuns: 200 })
})

test('arbitrary bytes: frames or BulkDecodeError, never another exception; no body beyond the limit is ever acquired', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
    const acquired: number[] = []
    const d = decoderFor(() => true, acquired)
    try {
      for (const c of split(bytes, cuts)) d.push(c)
    } catch (err) {
      if (!(err instanceof BulkDecodeError)) throw err
    }
    t.true(acquired.every(n => n >= 1 && n <= MAX))
  }), { numRuns: 500 })
})

test('oversized, empty, out-of-range and unknown frames are refused at the header, before any body byte', t => {
  const acquired: number[] = []
  const bad = [
    encodeBlockHeader(0, MAX + 1),
    encodeBlockHeader(0, 0xffffffff),
    encodeBlockHeader(0, 0),
    encodeBlockHeader(1 << 20, 10),
    Uint8Array.from([0x02, 0, 0, 0, 0, 0, 0, 0, 1])
  ]
  for (const h of bad) {
    const d = decoderFor(() => true, acquired)
    t.throws(() => d.push(h), { instanceOf: BulkDecodeError })
  }
  t.deepEqual(acquired, [])
})

test('HELLO round-trips, waits for more bytes on a prefix, and refuses garbage', t => {
  const hello = { token: new Uint8Array(32).fill(7), peerId: new Uint8Array(38).fill(3) }
  const bytes = encodeHello(hello)
  const got = decodeHello(Uint8Array.from([...bytes, 1, 2, 3]))
  t.deepEqual(got && { token: Array.from(got.hello.token), peerId: Array.from(got.hello.peerId), length: got.length }, { token: Array.from(hello.token), peerId: Array.from(hello.peerId), length: bytes.length })
  for (let i = 0; i < bytes.length; i++) t.is(decodeHello(bytes.subarray(0, i)), undefined)
  t.throws(() => decodeHello(new TextEncoder().encode('GET / HTTP/1.1\r\n')), { instanceOf: BulkDecodeError })
  const wrongVersion = bytes.slice(); wrongVersion[4] = 9
  t.throws(() => decodeHello(wrongVersion), { instanceOf: BulkDecodeError })
  const noId = bytes.slice(); noId[37] = 0
  t.throws(() => decodeHello(noId), { instanceOf: BulkDecodeError })
  fc.assert(fc.property(fc.uint8Array({ maxLength: MAX_HELLO_BYTES + 10 }), bytes => {
    try {
      const r = decodeHello(bytes)
      if (r != null) t.true(r.length <= MAX_HELLO_BYTES && r.length <= bytes.length)
    } catch (err) {
      if (!(err instanceof BulkDecodeError)) throw err
    }
  }), { numRuns: 500 })
})

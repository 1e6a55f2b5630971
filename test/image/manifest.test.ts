import test from 'ava'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { buildManifest, chooseBlockSize, decodeManifest, encodeManifest, manifestCid, blockCount, blockLength } from '../../src/image/manifest.js'
import { WireDecodeError } from '../../src/errors.js'
import { MAX_BLOCKS, MAX_BLOCK_SIZE } from '../../src/image/limits.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

test('buildManifest hashes every block and the whole image', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-manifest-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const data = randomBytes(3 * 65536 + 1234)
  await writeFile(join(dir, 'img'), data)
  const m = await buildManifest('img', join(dir, 'img'), 65536)
  t.is(m.size, data.length)
  t.is(m.blockHashes.length, 4)
  t.is(m.sha256, sha(data))
  for (let i = 0; i < 4; i++) {
    t.is(Buffer.from(m.blockHashes[i]).toString('hex'), sha(data.subarray(i * 65536, Math.min(data.length, (i + 1) * 65536))))
  }
  t.is(blockLength(m, 3), 1234)
})

test('an empty image has one empty block', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'pc-manifest-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'e'), new Uint8Array(0))
  const m = await buildManifest('e', join(dir, 'e'), 65536)
  t.is(m.blockHashes.length, 1)
  t.is(blockCount(0, 65536), 1)
  t.deepEqual(decodeManifest(encodeManifest(m)).sha256, sha(new Uint8Array(0)))
})

test('encode/decode round-trips and the CID is stable', async t => {
  const m = { imageId: 'cirros-0.6.qcow2', size: 5_000_000, blockSize: 1 << 20, sha256: 'a'.repeat(64), blockHashes: Array.from({ length: 5 }, () => randomBytes(32)) }
  const bytes = encodeManifest(m)
  const back = decodeManifest(bytes)
  t.is(back.imageId, m.imageId)
  t.deepEqual(back.blockHashes.map(h => Buffer.from(h).toString('hex')), m.blockHashes.map(h => h.toString('hex')))
  t.is((await manifestCid(bytes)).toString(), (await manifestCid(encodeManifest(back))).toString())
})

test('decodeManifest rejects wrong hash counts, bad ids and bad block sizes', t => {
  const good = { imageId: 'x', size: 100, blockSize: 65536, sha256: 'b'.repeat(64), blockHashes: [randomBytes(32)] }
  t.throws(() => decodeManifest(encodeManifest({ ...good, blockHashes: [] })), { instanceOf: WireDecodeError })
  t.throws(() => decodeManifest(encodeManifest({ ...good, imageId: '../etc' })), { instanceOf: WireDecodeError })
  t.throws(() => decodeManifest(encodeManifest({ ...good, blockSize: 1 })), { instanceOf: WireDecodeError })
  t.throws(() => decodeManifest(encodeManifest({ ...good, sha256: 'XYZ' })), { instanceOf: WireDecodeError })
})

test('chooseBlockSize keeps huge images within MAX_BLOCKS', t => {
  t.is(chooseBlockSize(64 << 20), 1 << 20)
  const huge = 8 * 1024 ** 4
  const bs = chooseBlockSize(huge)
  t.true(Math.ceil(huge / bs) <= MAX_BLOCKS)
  t.true(bs <= MAX_BLOCK_SIZE)
})

test('property: decodeManifest throws only WireDecodeError on arbitrary bytes', t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, withMagic) => {
    const input = withMagic ? Uint8Array.from([0x50, 0x43, 0x4d, 0x31, ...bytes]) : bytes
    try {
      decodeManifest(input)
    } catch (err) {
      if (!(err instanceof WireDecodeError)) throw err
    }
  }), { numRuns: 2000 })
  t.pass()
})

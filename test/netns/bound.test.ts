import test from 'ava'
import { lowerBoundSeconds, mbitToBytes } from '../../bench/net/bound.js'

const MiB = 1024 * 1024

test('symmetric hosts at the origin rate: the origin\'s upload is the bound', t => {
  const r = mbitToBytes(100)
  const hosts = Array.from({ length: 8 }, () => ({ up: r, down: r }))
  t.is(lowerBoundSeconds({ sizeBytes: 128 * MiB, originUp: r, hosts }), 128 * MiB / r)
})

test('a throttled origin: still F/u_s', t => {
  const r = mbitToBytes(100)
  const hosts = Array.from({ length: 8 }, () => ({ up: r, down: r }))
  t.is(lowerBoundSeconds({ sizeBytes: 128 * MiB, originUp: r / 4, hosts }), 128 * MiB / (r / 4))
})

test('slow hosts: the slowest download bounds', t => {
  const r = mbitToBytes(100)
  const hosts = Array.from({ length: 8 }, (_, i) => i < 4 ? { up: r / 4, down: r / 4 } : { up: r, down: r })
  t.is(lowerBoundSeconds({ sizeBytes: 128 * MiB, originUp: r, hosts }), 128 * MiB / (r / 4))
})

test('many hosts with little upload: the aggregate term bounds', t => {
  const hosts = Array.from({ length: 10 }, () => ({ up: 1, down: 100 }))
  // N·F/(u_s+Σu_i) = 10·100/(10+10) = 50 > F/u_s = 10 > F/min d = 1
  t.is(lowerBoundSeconds({ sizeBytes: 100, originUp: 10, hosts }), 50)
  t.throws(() => lowerBoundSeconds({ sizeBytes: 1, originUp: 1, hosts: [] }), { instanceOf: RangeError })
})

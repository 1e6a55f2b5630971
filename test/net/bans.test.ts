import test from 'ava'
import { createBanList } from '../../src/net/bans.js'

test('the third strike bans; each repeat doubles the ban up to the ceiling; strikes survive across sessions', t => {
  let now = 0
  const banned: number[] = []
  const bans = createBanList({ banMs: 1000, maxBanMs: 3000, now: () => now })
  bans.onBan(r => { banned.push(r.bannedUntil - now) })
  t.false(bans.strike('a', 'x'))
  t.false(bans.strike('a', 'x'))
  t.false(bans.isBanned('a'))
  t.true(bans.strike('a', 'x'), 'third strike bans')
  t.true(bans.isBanned('a'))
  t.false(bans.strike('a', 'late'), 'strikes while banned do not extend it')
  now = 1001
  t.false(bans.isBanned('a'), 'the ban ends')
  for (let i = 0; i < 3; i++) bans.strike('a', 'x')
  now += 2500
  for (let i = 0; i < 3; i++) bans.strike('a', 'x')
  t.deepEqual(banned, [1000, 2000, 3000], 'ban lengths double and stop at the ceiling')
  t.false(bans.isBanned('b'))
  t.is(bans.records().find(r => r.peerId === 'a')?.bans, 3)
})

test('an exempt peer is struck but never banned', t => {
  const bans = createBanList({ exempt: id => id === 'seeder' })
  for (let i = 0; i < 10; i++) bans.strike('seeder', 'x')
  t.false(bans.isBanned('seeder'))
})

import test from 'ava'
import { FAST_ROUND, needSeeder, roundDelay } from '../../src/distribute/relay-policy.js'

const base = { hasCatalogue: true, linked: false, connected: false, alone: false, sinceHeard: 1000, sinceSeederPull: Infinity }

test('a peer with neighbours and fresh news does not turn to the seeder', t => {
  t.false(needSeeder(base))
  t.false(needSeeder({ ...base, sinceHeard: 60_000 }), 'a quiet minute is normal (catalogue every 30 s)')
})

test('a peer turns to the seeder at start-up, as a link that lost its connection, alone, or after long silence', t => {
  t.true(needSeeder({ ...base, hasCatalogue: false }))
  t.false(needSeeder({ ...base, hasCatalogue: false, sinceSeederPull: FAST_ROUND - 1 }), 'not more than once a second')
  t.true(needSeeder({ ...base, linked: true }))
  t.false(needSeeder({ ...base, linked: true, connected: true }))
  t.true(needSeeder({ ...base, alone: true }))
  t.false(needSeeder({ ...base, alone: true, sinceSeederPull: 1000 }, { pullInterval: 5000 }))
  t.true(needSeeder({ ...base, sinceHeard: Infinity }))
  t.false(needSeeder({ ...base, sinceHeard: Infinity, sinceSeederPull: 10_000 }), 'and then not again before the silence')
})

test('rounds are jittered ±20 %, and fast while settling', t => {
  t.is(roundDelay(false, 5000, () => 0), 4000)
  t.true(Math.abs(roundDelay(false, 5000, () => 1) - 6000) < 1e-6)
  t.is(roundDelay(true, 5000, () => 0.5), FAST_ROUND)
})

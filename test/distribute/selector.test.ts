import test from 'ava'
import { hostLabels, matches, parseSelector, selects } from '../../src/distribute/selector.js'
import { ConfigError } from '../../src/errors.js'

const gpu = { host: 'c1', aggregate: 'gpu', az: 'nova-1' }
const plain = { host: 'c2', az: 'nova-2' }

test('selectors: equality, alternatives, negation, all terms must hold; empty selects everyone', t => {
  t.true(selects(undefined, plain))
  t.true(selects('', plain))
  t.true(selects('aggregate=gpu', gpu))
  t.false(selects('aggregate=gpu', plain))
  t.true(selects('az=nova-1|nova-2', plain))
  t.true(selects(' az = nova-1 | nova-2 , host != c1 ', plain))
  t.false(selects('az=nova-1|nova-2,host!=c1', gpu))
  t.true(selects('aggregate!=gpu', plain), 'an absent label is different')
  t.false(selects('aggregate=gpu,az=nova-2', gpu))
  t.true(selects('host=c1', gpu))
  t.false(selects('toString=x', {}), 'no prototype keys')
  t.deepEqual(parseSelector('a=b|c,d!=e'), [{ key: 'a', values: ['b', 'c'], negate: false }, { key: 'd', values: ['e'], negate: true }])
  t.true(matches([], plain))
})

test('a selector that does not parse is an error in config, and selects no host when it arrives in meta', t => {
  for (const bad of ['gpu', '=x', 'a b=c', 'a=b c', 'k=' + 'v'.repeat(256), 'x'.repeat(1025)]) {
    t.throws(() => parseSelector(bad), { instanceOf: ConfigError }, bad)
    t.false(selects(bad, gpu), bad)
  }
})

test('host labels: key=value items plus host=<host name>', t => {
  t.deepEqual(hostLabels(['az=nova-1', ' aggregate = gpu '], 'c9'), { az: 'nova-1', aggregate: 'gpu', host: 'c9' })
  t.throws(() => hostLabels(['host=x'], 'c9'), { instanceOf: ConfigError })
  t.throws(() => hostLabels(['novalue'], 'c9'), { instanceOf: ConfigError })
})

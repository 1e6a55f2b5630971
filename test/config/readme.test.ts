import test from 'ava'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { configReference } from '../../src/config/reference.js'

test('the README\'s configuration reference matches the schema (run npm run docs:config)', t => {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8')
  t.true(readme.includes(configReference()))
})

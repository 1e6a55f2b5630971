// Regenerates the configuration reference section of README.md from the schema.
import { readFileSync, writeFileSync } from 'node:fs'
import { configReference } from '../dist/src/config/reference.js'

const start = '<!-- config-reference:start -->'
const end = '<!-- config-reference:end -->'
const readme = readFileSync('README.md', 'utf8')
const a = readme.indexOf(start)
const b = readme.indexOf(end)
if (a < 0 || b < a) throw new Error('README.md lacks the config-reference markers')
writeFileSync('README.md', readme.slice(0, a + start.length) + '\n' + configReference() + readme.slice(b))

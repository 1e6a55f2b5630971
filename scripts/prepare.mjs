// npm runs this after `npm ci` / `npm install` (the `prepare` script).
// A development install has TypeScript: compile src/, test/ and bench/ to dist/.
// A production install (`npm ci --omit=dev`) has no compiler: it needs a dist/
// compiled beforehand — see README, "Install" — and says so in one line.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'

const require = createRequire(import.meta.url)
if (!existsSync('src')) process.exit(0) // package.json copied alone (a container's dependency layer)
let tsc
try {
  tsc = require.resolve('typescript/bin/tsc')
} catch {
  if (existsSync('dist/src/cli/main.js')) process.exit(0)
  process.stderr.write('precache: no TypeScript compiler (npm ci --omit=dev) and no compiled dist/: ' +
    'compile first with "npm ci && npm run build", then "npm prune --omit=dev" (README: "Install without the development tools")\n')
  process.exit(1)
}
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' })
process.exit(r.status ?? 1)

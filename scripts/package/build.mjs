#!/usr/bin/env node
// `npm run package`: one self-contained executable (Node's single executable
// application, SEA) from the compiled tree and the pinned Node 24 binary.
//
//   1. esbuild bundles dist/src/cli/main.js and every dependency into one
//      CommonJS script (Node 24's SEA runs one CommonJS main script; `require`
//      inside it loads built-ins only).
//   2. `node --experimental-sea-config` turns it into a preparation blob. The
//      blob must come from the same Node binary it is injected into, so both
//      steps use the pinned `node` devDependency, never the PATH's node.
//   3. postject injects the blob into a copy of that binary.
//
// Output: build/precache (override with PRECACHE_PACKAGE_OUT). Runs in ~15 s.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync, rmSync, renameSync, chmodSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const require = createRequire(join(root, 'package.json'))
const out = resolve(process.env.PRECACHE_PACKAGE_OUT ?? join(root, 'build', 'precache'))
const work = join(dirname(out), '.package-work')
const started = Date.now()

// The pinned Node 24 from the `node` devDependency (package.json pins its exact version)
const nodeBin = join(dirname(require.resolve('node/package.json')), 'bin', 'node')
const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim()
if (!nodeVersion.startsWith('v24.')) throw new Error(`expected the pinned Node 24 at ${nodeBin}, found ${nodeVersion}`)

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const bundle = join(work, 'precache.cjs')
const pkg = JSON.parse(execFileSync(nodeBin, ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: root, encoding: 'utf8' }))

await build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  // import.meta does not exist in CommonJS: give it the executable's own URL
  // and the release, which src/net/version.ts otherwise reads from package.json
  define: { 'import.meta.url': '__precacheSelfUrl', __PRECACHE_RELEASE__: JSON.stringify(pkg.version) },
  banner: { js: 'var __precacheSelfUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
  legalComments: 'none'
})

const seaConfig = join(work, 'sea-config.json')
const blob = join(work, 'sea-prep.blob')
writeFileSync(seaConfig, JSON.stringify({
  main: bundle,
  output: blob,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  // same V8 flag as bin/precache.js: short-lived block buffers, small young generation
  execArgv: ['--max-semi-space-size=2']
}, null, 2))
execFileSync(nodeBin, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] })

const tmp = join(work, 'precache')
copyFileSync(nodeBin, tmp)
chmodSync(tmp, 0o755)
const postject = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js')
execFileSync(nodeBin, [postject, tmp, 'NODE_SEA_BLOB', blob,
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: ['ignore', 'ignore', 'pipe'] })
// (postject's ELF reader warns about Node's many note sections; the warnings are harmless, so they are not shown)

mkdirSync(dirname(out), { recursive: true })
renameSync(tmp, out)
rmSync(work, { recursive: true, force: true })
const mb = (statSync(out).size / 1048576).toFixed(0)
process.stdout.write(`${out}: precache ${pkg.version} on Node ${nodeVersion}, ${mb} MiB, built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)

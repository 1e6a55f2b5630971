/**
 * The import graph of src/ and its floors. Every file sits on one floor; a
 * file may import from its own floor or any floor below, never above, and no
 * chain of imports may come back to where it started. Run this file with node
 * to print the floor-to-floor edges.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** src/ of the checkout (this file runs as dist/test/architecture/import-graph.js) */
export const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src')

/**
 * Floors, lowest first. A path prefix (folder or file, relative to src/) names
 * what sits on the floor.
 */
export const FLOORS: ReadonlyArray<{ name: string, members: string[] }> = [
  { name: 'foundation', members: ['errors.ts', 'log.ts', 'registry.ts', 'util/', 'ops/'] },
  { name: 'config', members: ['config/'] },
  { name: 'image', members: ['image/'] },
  { name: 'transport', members: ['net/', 'openstack/'] },
  { name: 'swarm', members: ['swarm/'] },
  { name: 'stages', members: ['list/', 'fetch/', 'serve/', 'distribute/', 'cache/'] },
  { name: 'roles', members: ['roles/', 'backends.ts', 'demo/'] },
  { name: 'cli', members: ['cli/'] }
]

/** The floor index of a file (relative to src/), or -1 when no floor names it */
export function floorOf (file: string): number {
  return FLOORS.findIndex(f => f.members.some(m => m.endsWith('/') ? file.startsWith(m) : file === m))
}

function walk (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return walk(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** file (relative to src/) → the src files it imports (relative to src/) */
export function importGraph (src = SRC): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const path of walk(src)) {
    const from = relative(src, path)
    const targets: string[] = []
    for (const m of readFileSync(path, 'utf8').matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3]
      if (spec == null || !spec.startsWith('.')) continue
      targets.push(relative(src, resolve(dirname(path), spec)).replace(/\.js$/, '.ts'))
    }
    graph.set(from, targets)
  }
  return graph
}

/** every import that runs from a lower floor to a higher one, as "a → b" */
export function upwardImports (graph: Map<string, string[]>): string[] {
  const out: string[] = []
  for (const [from, targets] of graph) {
    for (const to of targets) if (floorOf(to) > floorOf(from)) out.push(`${from} → ${to}`)
  }
  return out
}

/** files that no floor names */
export function unplaced (graph: Map<string, string[]>): string[] {
  return [...graph.keys()].filter(f => floorOf(f) < 0)
}

/** one import cycle per strongly connected group of files, as "a → b → a" */
export function cycles (graph: Map<string, string[]>): string[] {
  const found: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (f: string): void => {
    state.set(f, 'open')
    stack.push(f)
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...stack.slice(stack.indexOf(t)), t].join(' → '))
      else if (!state.has(t)) visit(t)
    }
    stack.pop()
    state.set(f, 'done')
  }
  for (const f of graph.keys()) if (!state.has(f)) visit(f)
  return found
}

/** "floor → floor" edges with a count of imports, for the notes */
export function floorEdges (graph: Map<string, string[]>): string[] {
  const counts = new Map<string, number>()
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = FLOORS[floorOf(from)]?.name ?? '?'
      const b = FLOORS[floorOf(to)]?.name ?? '?'
      if (a === b) continue
      counts.set(`${a} → ${b}`, (counts.get(`${a} → ${b}`) ?? 0) + 1)
    }
  }
  return [...counts].map(([e, n]) => `${e} (${n})`).sort()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const g = importGraph(process.argv[2] ?? SRC)
  console.log(floorEdges(g).join('\n'))
  console.log('upward:', upwardImports(g))
  console.log('cycles:', cycles(g))
  console.log('unplaced:', unplaced(g))
}

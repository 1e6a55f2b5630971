import test from 'ava'
import { cycles, floorOf, importGraph, unplaced, upwardImports } from './import-graph.js'

const graph = importGraph()

test('every source file sits on a floor', t => {
  t.true(graph.size > 50, 'src/ was found')
  t.deepEqual(unplaced(graph), [])
})

test('no import runs from a lower floor to a higher one', t => {
  t.deepEqual(upwardImports(graph), [])
})

test('no import cycle', t => {
  t.deepEqual(cycles(graph), [])
})

test('the checker catches an upward import and a cycle', t => {
  const bad = new Map([
    ['image/manifest.ts', ['serve/server.ts']],
    ['serve/server.ts', ['image/manifest.ts']]
  ])
  t.deepEqual(upwardImports(bad), ['image/manifest.ts → serve/server.ts'])
  t.is(cycles(bad).length, 1)
  t.true(floorOf('image/id.ts') < floorOf('swarm/store.ts'))
  t.true(floorOf('swarm/store.ts') < floorOf('serve/swarm-server.ts'))
})

test('the stages do not import one another', t => {
  const stage = (f: string): string | undefined => ['list/', 'fetch/', 'serve/', 'distribute/', 'cache/'].find(s => f.startsWith(s))
  const across: string[] = []
  for (const [from, targets] of graph) {
    for (const to of targets) if (stage(from) != null && stage(to) != null && stage(from) !== stage(to)) across.push(`${from} → ${to}`)
  }
  t.deepEqual(across, [])
})

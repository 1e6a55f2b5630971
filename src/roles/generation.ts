/**
 * The seeder's catalogue generation: a number that grows with every completed
 * listing pass, kept in the state folder. It starts from the clock (ms), so a
 * seeder whose state folder was lost still counts upwards.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { atomicWrite } from '../util/atomic-write.js'

export interface Generation {
  current: () => number
  /** the next generation, written to disk before it is returned */
  next: () => Promise<number>
}

export async function openGeneration (stateDir: string): Promise<Generation> {
  const file = join(stateDir, 'catalogue-generation')
  let gen = await readFile(file, 'utf8').then(t => Number(t.trim()), () => 0)
  if (!Number.isSafeInteger(gen) || gen < 0) gen = 0
  return {
    current: () => gen,
    async next () {
      gen = Math.max(gen + 1, Date.now())
      await atomicWrite(file, `${gen}\n`)
      return gen
    }
  }
}

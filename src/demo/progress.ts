/** Live progress of the demo: one bar per peer on a terminal, plain lines otherwise */
import { formatBytes } from '../config/units.js'

/**
 * Without a terminal, a progress line at most this often (ms)
 *
 * @default 2000
 */
export const PLAIN_PROGRESS_INTERVAL = 2000

export interface PeerProgress { name: string, have: number, blocks: number, bytes: number, seconds: number, state: string }

export function createProgress (out: NodeJS.WriteStream, size: number): { update: (rows: PeerProgress[]) => void, done: () => void } {
  const tty = out.isTTY === true
  let drawn = 0
  let lastPlain = 0
  return {
    update (rows) {
      if (tty) {
        if (drawn > 0) out.write(`\x1b[${drawn}A`)
        for (const r of rows) {
          const frac = r.blocks > 0 ? r.have / r.blocks : 0
          const width = 30
          const fill = Math.round(frac * width)
          const rate = r.seconds > 0 ? formatBytes(frac * size / r.seconds) + '/s' : ''
          out.write(`\x1b[2K${r.name.padEnd(8)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${r.state.padEnd(11)} ${rate}\n`)
        }
        drawn = rows.length
      } else if (Date.now() - lastPlain > PLAIN_PROGRESS_INTERVAL) {
        lastPlain = Date.now()
        out.write(rows.map(r => `${r.name} ${r.blocks > 0 ? Math.floor(100 * r.have / r.blocks) : 0}% ${r.state}`).join('  ') + '\n')
      }
    },
    done () { drawn = 0 }
  }
}

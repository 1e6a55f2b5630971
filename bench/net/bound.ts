/**
 * The lower bound on distributing F bytes from one origin to N hosts
 * (Kumar & Ross, 2006): T* = max(F/u_s, F/min d_i, N·F/(u_s + Σu_i)),
 * with rates in bytes per second.
 */
export interface BoundInput {
  sizeBytes: number
  /** origin upload, bytes/s */
  originUp: number
  /** per host upload and download, bytes/s */
  hosts: Array<{ up: number, down: number }>
}

export function lowerBoundSeconds (b: BoundInput): number {
  if (b.hosts.length === 0) throw new RangeError('no hosts')
  const F = b.sizeBytes
  const minDown = Math.min(...b.hosts.map(h => h.down))
  const sumUp = b.hosts.reduce((s, h) => s + h.up, 0)
  return Math.max(F / b.originUp, F / minDown, b.hosts.length * F / (b.originUp + sumUp))
}

/** Converts "100mbit"-style rates to bytes/s */
export function mbitToBytes (mbit: number): number {
  return mbit * 1e6 / 8
}

/** How one distribution did against the lower bound T*: what bench:net and bench:sim both report */
export interface CompletionFigures {
  sizeBytes: number
  /** T*, seconds */
  boundSeconds: number
  /** when the last and the median host had the whole image, seconds */
  lastSeconds: number
  p50Seconds: number
  lastOverBound: number
  p50OverBound: number
  /** bytes the origin sent, over the image size */
  originEgressOverSize: number
}

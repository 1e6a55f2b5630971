import { WireDecodeError } from '../errors.js'

function popcount8 (x: number): number {
  x = x - ((x >> 1) & 0x55)
  x = (x & 0x33) + ((x >> 2) & 0x33)
  return (x + (x >> 4)) & 0x0f
}

/** A fixed-size set of block indexes, MSB-first like the BITFIELD message */
export class BitSet {
  readonly size: number
  private readonly bytes: Uint8Array
  private n = 0

  constructor (size: number) {
    this.size = size
    this.bytes = new Uint8Array(Math.ceil(size / 8))
  }

  get (i: number): boolean {
    return i >= 0 && i < this.size && (this.bytes[i >> 3] & (0x80 >> (i & 7))) !== 0
  }

  /** returns true when the bit was newly set */
  set (i: number): boolean {
    if (i < 0 || i >= this.size || this.get(i)) return false
    this.bytes[i >> 3] |= 0x80 >> (i & 7)
    this.n++
    return true
  }

  /** sets every bit set in `other` (same size); returns how many were newly set */
  union (other: BitSet): number {
    if (other.size !== this.size) throw new RangeError(`bitsets of ${this.size} and ${other.size} bits`)
    let added = 0
    for (let k = 0; k < this.bytes.length; k++) {
      const fresh = other.bytes[k] & ~this.bytes[k]
      if (fresh === 0) continue
      added += popcount8(fresh)
      this.bytes[k] |= fresh
    }
    this.n += added
    return added
  }

  count (): number { return this.n }
  full (): boolean { return this.n === this.size }
  toBytes (): Uint8Array { return this.bytes.slice() }

  static fromBytes (size: number, bytes: Uint8Array): BitSet {
    if (bytes.length !== Math.ceil(size / 8)) throw new WireDecodeError(`bitfield of ${bytes.length} bytes for ${size} blocks`)
    const spare = bytes.length * 8 - size
    if (spare > 0 && (bytes[bytes.length - 1] & ((1 << spare) - 1)) !== 0) throw new WireDecodeError('bitfield has spare bits set')
    const b = new BitSet(size)
    b.bytes.set(bytes)
    for (const x of bytes) b.n += popcount8(x)
    return b
  }
}

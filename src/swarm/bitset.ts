import { WireDecodeError } from '../errors.js'

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

  count (): number { return this.n }
  full (): boolean { return this.n === this.size }
  toBytes (): Uint8Array { return this.bytes.slice() }

  static fromBytes (size: number, bytes: Uint8Array): BitSet {
    if (bytes.length !== Math.ceil(size / 8)) throw new WireDecodeError(`bitfield of ${bytes.length} bytes for ${size} blocks`)
    const b = new BitSet(size)
    for (let i = 0; i < size; i++) if ((bytes[i >> 3] & (0x80 >> (i & 7))) !== 0) b.set(i)
    for (let i = size; i < bytes.length * 8; i++) if ((bytes[i >> 3] & (0x80 >> (i & 7))) !== 0) throw new WireDecodeError('bitfield has spare bits set')
    return b
  }
}

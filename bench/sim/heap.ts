/**
 * Indexed binary min-heap over small integer ids: each id is in the heap at
 * most once and its key can be changed in place, so the simulator never keeps
 * stale entries (a flow whose rate changes just moves).
 */
export class IndexedHeap {
  private ids: number[] = []
  private keys: number[] = []
  /** position of each id in `ids`, -1 when absent */
  private pos: Int32Array = new Int32Array(16).fill(-1)

  get size (): number { return this.ids.length }
  topId (): number { return this.ids[0] }
  topKey (): number { return this.ids.length > 0 ? this.keys[0] : Infinity }
  has (id: number): boolean { return id < this.pos.length && this.pos[id] >= 0 }

  /** inserts `id` or changes its key */
  set (id: number, key: number): void {
    if (id >= this.pos.length) {
      const grown = new Int32Array(Math.max(id + 1, this.pos.length * 2)).fill(-1)
      grown.set(this.pos)
      this.pos = grown
    }
    let i = this.pos[id]
    if (i < 0) {
      i = this.ids.length
      this.ids.push(id)
      this.keys.push(key)
      this.pos[id] = i
      this.up(i)
      return
    }
    const old = this.keys[i]
    this.keys[i] = key
    if (key < old) this.up(i); else this.down(i)
  }

  delete (id: number): void {
    if (!this.has(id)) return
    const i = this.pos[id]
    const last = this.ids.length - 1
    this.swap(i, last)
    this.ids.pop()
    this.keys.pop()
    this.pos[id] = -1
    if (i < last) { this.up(i); this.down(i) }
  }

  pop (): number {
    const id = this.ids[0]
    this.delete(id)
    return id
  }

  private swap (a: number, b: number): void {
    const ia = this.ids[a]; const ib = this.ids[b]
    this.ids[a] = ib; this.ids[b] = ia
    const k = this.keys[a]; this.keys[a] = this.keys[b]; this.keys[b] = k
    this.pos[ib] = a; this.pos[ia] = b
  }

  private up (i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (this.keys[p] <= this.keys[i]) break
      this.swap(i, p)
      i = p
    }
  }

  private down (i: number): void {
    const n = this.ids.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && this.keys[r] < this.keys[l] ? r : l
      if (this.keys[i] <= this.keys[c]) break
      this.swap(i, c)
      i = c
    }
  }
}

/** Plain binary min-heap of (key, value) pairs, FIFO among equal keys */
export class Heap<T> {
  private keys: number[] = []
  private seqs: number[] = []
  private vals: T[] = []
  private seq = 0

  get size (): number { return this.keys.length }
  topKey (): number { return this.keys.length > 0 ? this.keys[0] : Infinity }

  push (key: number, val: T): void {
    let i = this.keys.length
    this.keys.push(key); this.seqs.push(this.seq++); this.vals.push(val)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) break
      this.swap(i, p)
      i = p
    }
  }

  pop (): T {
    const top = this.vals[0]
    const last = this.keys.length - 1
    this.swap(0, last)
    this.keys.pop(); this.seqs.pop(); this.vals.pop()
    let i = 0
    const n = this.keys.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const c = r < n && this.less(r, l) ? r : l
      if (!this.less(c, i)) break
      this.swap(i, c)
      i = c
    }
    return top
  }

  private less (a: number, b: number): boolean {
    return this.keys[a] < this.keys[b] || (this.keys[a] === this.keys[b] && this.seqs[a] < this.seqs[b])
  }

  private swap (a: number, b: number): void {
    const k = this.keys[a]; this.keys[a] = this.keys[b]; this.keys[b] = k
    const s = this.seqs[a]; this.seqs[a] = this.seqs[b]; this.seqs[b] = s
    const v = this.vals[a]; this.vals[a] = this.vals[b]; this.vals[b] = v
  }
}

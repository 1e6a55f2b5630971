// libp2p 3.x uses Promise.withResolvers, which Node 20 lacks. Import this first.
const P: { withResolvers?: unknown } = Promise
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T> () {
    let resolve!: (v: T) => void
    let reject!: (e: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
export {}

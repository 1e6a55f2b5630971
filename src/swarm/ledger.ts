/** Byte accounting per neighbour and in total, for status and logs */
export interface Ledger {
  sent: (peer: string, bytes: number) => void
  /** `bulk`: the bytes crossed a bulk channel (else the libp2p stream) */
  received: (peer: string, bytes: number, bulk?: boolean) => void
  readonly totalSent: number
  readonly totalReceived: number
  /** of totalReceived, the bytes that crossed bulk channels */
  readonly receivedOverBulk: number
  /** bytes sent to and received from each peer */
  byPeer: () => Record<string, { sent: number, received: number }>
}

export function createLedger (): Ledger {
  const peers = new Map<string, { sent: number, received: number }>()
  let totalSent = 0
  let totalReceived = 0
  let receivedOverBulk = 0
  const entry = (peer: string): { sent: number, received: number } => {
    let e = peers.get(peer)
    if (e == null) { e = { sent: 0, received: 0 }; peers.set(peer, e) }
    return e
  }
  return {
    sent (peer, bytes) { entry(peer).sent += bytes; totalSent += bytes },
    received (peer, bytes, bulk = false) {
      entry(peer).received += bytes
      totalReceived += bytes
      if (bulk) receivedOverBulk += bytes
    },
    get totalSent () { return totalSent },
    get totalReceived () { return totalReceived },
    get receivedOverBulk () { return receivedOverBulk },
    byPeer: () => Object.fromEntries(peers)
  }
}

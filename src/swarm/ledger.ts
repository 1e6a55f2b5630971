/** Byte accounting per neighbour and in total, for status and logs */
export interface Ledger {
  sent: (peer: string, bytes: number) => void
  received: (peer: string, bytes: number) => void
  readonly totalSent: number
  readonly totalReceived: number
  /** bytes sent to and received from each peer */
  byPeer: () => Record<string, { sent: number, received: number }>
}

export function createLedger (): Ledger {
  const peers = new Map<string, { sent: number, received: number }>()
  let totalSent = 0
  let totalReceived = 0
  const entry = (peer: string): { sent: number, received: number } => {
    let e = peers.get(peer)
    if (e == null) { e = { sent: 0, received: 0 }; peers.set(peer, e) }
    return e
  }
  return {
    sent (peer, bytes) { entry(peer).sent += bytes; totalSent += bytes },
    received (peer, bytes) { entry(peer).received += bytes; totalReceived += bytes },
    get totalSent () { return totalSent },
    get totalReceived () { return totalReceived },
    byPeer: () => Object.fromEntries(peers)
  }
}

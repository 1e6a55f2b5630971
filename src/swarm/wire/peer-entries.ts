/**
 * The peer entry both peer-exchange messages carry — PEERS of the block
 * protocol (SPEC.md §3) and the catalogue pull reply (§1) — each with its own
 * bounds:
 *
 *     PEER = u8 idLen | id (peer id multihash) | u8 addrCount | addrCount × (u16 len | multiaddr bytes)
 */

/** One node: its peer id (multihash bytes) and multiaddrs (bytes) */
export interface PeerEntry { id: Uint8Array, addrs: Uint8Array[] }

export interface PeerEntryLimits {
  maxIdBytes: number
  maxAddrs: number
  maxAddrBytes: number
}

/**
 * Encodes entries as chunks (ids and addresses are not copied). Throws
 * RangeError for an entry outside `limits`: a programming error on our side.
 */
export function encodePeerEntries (peers: readonly PeerEntry[], limits: PeerEntryLimits): Uint8Array[] {
  const parts: Uint8Array[] = []
  for (const p of peers) {
    if (p.id.length < 1 || p.id.length > limits.maxIdBytes || p.addrs.length > limits.maxAddrs) throw new RangeError('peer entry out of range')
    parts.push(Uint8Array.of(p.id.length), p.id, Uint8Array.of(p.addrs.length))
    for (const a of p.addrs) {
      if (a.length < 1 || a.length > limits.maxAddrBytes) throw new RangeError('address length out of range')
      parts.push(Uint8Array.of(a.length >> 8, a.length & 0xff), a)
    }
  }
  return parts
}

/**
 * Decodes `count` entries of `b` from offset `at`; every length is checked
 * before it is used, and `fail` (which throws the caller's decode error) is
 * called for anything outside `limits` or past the end. The entries are views
 * of `b`. Returns them and the offset after the last.
 */
export function decodePeerEntries (b: Uint8Array, at: number, count: number, limits: PeerEntryLimits, fail: (why: string) => never): { peers: PeerEntry[], end: number } {
  const need = (n: number): void => { if (at + n > b.length) fail('peer entry truncated') }
  const peers: PeerEntry[] = []
  for (let p = 0; p < count; p++) {
    need(1)
    const idLen = b[at++]
    if (idLen < 1 || idLen > limits.maxIdBytes) fail('peer id length')
    need(idLen + 1)
    const id = b.subarray(at, at + idLen)
    at += idLen
    const na = b[at++]
    if (na > limits.maxAddrs) fail('peer address count')
    const addrs: Uint8Array[] = []
    for (let a = 0; a < na; a++) {
      need(2)
      const al = (b[at] << 8) | b[at + 1]
      at += 2
      if (al < 1 || al > limits.maxAddrBytes) fail('peer address length')
      need(al)
      addrs.push(b.subarray(at, at + al))
      at += al
    }
    peers.push({ id, addrs })
  }
  return { peers, end: at }
}

import type { Logger } from '../log.js'
import type { BitSet } from './bitset.js'
import type { Ledger } from './ledger.js'
import type { Picker } from './picker.js'
import type { BlockStore } from './store.js'
import type { TokenBucket } from '../util/token-bucket.js'
import type { DataPath } from './data-path.js'

/** What a session needs from the torrent it belongs to */
export interface SwarmContext {
  store: BlockStore
  /** the signed manifest, for neighbours that ask */
  manifestBytes: Uint8Array
  signature: Uint8Array
  /** present while blocks are missing */
  picker?: Picker
  /** requests kept in flight to one neighbour right now (see torrent.ts) */
  requestsPerPeer: () => number
  requestTimeout: number
  upload: TokenBucket
  download: TokenBucket
  ledger: Ledger
  /** bulk channels for block payloads; absent: every block over the libp2p stream */
  dataPath?: DataPath
  log: Logger
  signal: AbortSignal
  /** a fresh verified block was stored */
  onBlock: (index: number, from: string) => void
  /** a block was sent in full to a neighbour */
  onUploaded: (remote: string, index: number) => void
  onRemoteHas: (remote: string, bits: BitSet) => void
  onRemoteHave: (remote: string, index: number) => void
  onPeers: (remote: string, peers: Array<{ id: Uint8Array, addrs: Uint8Array[] }>) => void
  /** a session ended (only its identity is needed, so this file does not import session.ts) */
  onClose: (session: { readonly remote: string }) => void
  /** records a strike against a neighbour; true when it is now banned (end the session) */
  strike: (remote: string, reason: string) => boolean
  /** the neighbour asks for this block: may it be sent (super-seeding: only blocks offered to it; the request is recorded) */
  mayServe: (remote: string, index: number) => boolean
  /** a neighbour says a block we sent it was corrupt: re-check our copy */
  recheck: (index: number) => void
  /** our copy of a block does not match the manifest (read while serving) */
  corruptLocal: (index: number) => void
  /** true once our copy was found corrupt: serve nothing more of it */
  readonly corrupt: boolean
}

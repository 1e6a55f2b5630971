/**
 * The block-exchange wire protocol (spec: ./SPEC.md), the one entry point the
 * rest of precache imports. The protocol lives in ./wire/: message types and
 * bounds (messages.ts), the type byte and largest frame of each message type
 * (frame-bounds.ts), the peer entry peer exchange carries (peer-entries.ts,
 * also used by the catalogue pull reply), the encoder (encode.ts) and the
 * incremental decoder (decode.ts).
 */
export {
  WIRE_VERSION,
  BLOCK_PROTOCOL,
  MAX_SIGNATURE_BYTES,
  MAX_CID_BYTES,
  MAX_PEERS,
  MAX_ADDRS_PER_PEER,
  MAX_ADDR_BYTES,
  MAX_PEER_ID_BYTES,
  type Message,
  type DecoderLimits
} from './wire/messages.js'
export { maxFrameBody } from './wire/frame-bounds.js'
export { decodePeerEntries, encodePeerEntries, type PeerEntry, type PeerEntryLimits } from './wire/peer-entries.js'
export { encode } from './wire/encode.js'
export { createDecoder, type Decoder } from './wire/decode.js'

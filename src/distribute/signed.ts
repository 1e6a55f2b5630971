/**
 * Signed announcements (SPEC.md §1): every announcement a seeder makes is
 * wrapped in an envelope carrying the seeder's peer id and its Ed25519
 * signature over the announcement bytes, so any node can relay it (gossip,
 * or a neighbour answering a catalogue pull) and any receiver can check it
 * against its trusted seeders without trusting the relay.
 *
 * ```
 * "PCA1" | u8 idLen | signer peer id (multihash, 1..128) | u16 sigLen | signature (1..512) | body
 * body = announcement JSON (announcement.ts), 1..1 MiB
 * signature = Ed25519 over "precache/announcement/1\n" || body
 * ```
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import type { PrivateKey } from '@libp2p/interface'
import { UntrustedAnnouncementError, WireDecodeError } from '../errors.js'
import { decodeAnnouncement, encodeAnnouncement, MAX_ANNOUNCEMENT_BYTES } from './announcement.js'
import type { Announcement } from './announcement.js'

const MAGIC = new TextEncoder().encode('PCA1')
const DOMAIN = new TextEncoder().encode('precache/announcement/1\n')
/** Largest signature accepted */
export const MAX_ANNOUNCEMENT_SIGNATURE = 512
/** Largest peer id accepted (multihash bytes) */
export const MAX_SIGNER_BYTES = 128
/** Largest envelope: header + the largest announcement */
export const MAX_SIGNED_BYTES = MAGIC.length + 1 + MAX_SIGNER_BYTES + 2 + MAX_ANNOUNCEMENT_SIGNATURE + MAX_ANNOUNCEMENT_BYTES

export interface SignedAnnouncement {
  /** the seeder's peer id, as text */
  signer: string
  announcement: Announcement
  /** the whole envelope, as received (what a relay passes on) */
  bytes: Uint8Array
  body: Uint8Array
  signature: Uint8Array
}

function signedPart (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN.length + body.length)
  out.set(DOMAIN)
  out.set(body, DOMAIN.length)
  return out
}

/** Encodes and signs an announcement with the seeder's key */
export async function signAnnouncement (key: PrivateKey, signer: string, a: Announcement): Promise<Uint8Array> {
  const body = encodeAnnouncement(a)
  const signature = await key.sign(signedPart(body))
  const id = peerIdFromString(signer).toMultihash().bytes
  if (signature.length < 1 || signature.length > MAX_ANNOUNCEMENT_SIGNATURE) throw new RangeError('signature length out of range')
  const out = new Uint8Array(MAGIC.length + 1 + id.length + 2 + signature.length + body.length)
  let at = 0
  out.set(MAGIC, at); at += MAGIC.length
  out[at++] = id.length
  out.set(id, at); at += id.length
  new DataView(out.buffer).setUint16(at, signature.length); at += 2
  out.set(signature, at); at += signature.length
  out.set(body, at)
  return out
}

function fail (why: string): never {
  throw new WireDecodeError(`invalid signed announcement: ${why}`)
}

/** Decodes an envelope (hostile input: every length checked); the signature is not checked here, see `verifyAnnouncement` */
export function decodeSignedAnnouncement (bytes: Uint8Array): SignedAnnouncement {
  if (bytes.length > MAX_SIGNED_BYTES) fail('too large')
  if (bytes.length < MAGIC.length + 1 || MAGIC.some((b, i) => bytes[i] !== b)) fail('bad magic')
  let at = MAGIC.length
  const idLen = bytes[at++]
  if (idLen < 1 || idLen > MAX_SIGNER_BYTES || at + idLen + 2 > bytes.length) fail('bad signer length')
  const idBytes = bytes.subarray(at, at + idLen)
  at += idLen
  let signer: string
  try {
    signer = peerIdFromMultihash(Digest.decode(idBytes)).toString()
  } catch {
    fail('signer is not a peer id')
  }
  const sigLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(at)
  at += 2
  if (sigLen < 1 || sigLen > MAX_ANNOUNCEMENT_SIGNATURE || at + sigLen >= bytes.length) fail('bad signature length')
  const signature = bytes.subarray(at, at + sigLen)
  const body = bytes.subarray(at + sigLen)
  return { signer, announcement: decodeAnnouncement(body), bytes, body, signature }
}

/** Checks that the envelope's signer is trusted and that its signature holds; throws UntrustedAnnouncementError */
export async function verifyAnnouncement (s: SignedAnnouncement, trusted: ReadonlySet<string>): Promise<void> {
  if (!trusted.has(s.signer)) throw new UntrustedAnnouncementError(`announcement signed by ${s.signer}, which is not a trusted seeder (check --trust / --seeder on this peer)`)
  const key = peerIdFromString(s.signer).publicKey
  if (key == null || !await key.verify(signedPart(s.body), s.signature)) {
    throw new UntrustedAnnouncementError(`announcement claims seeder ${s.signer} but its signature does not verify (forged or corrupted by the node that relayed it)`)
  }
}

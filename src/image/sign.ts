import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { UntrustedManifestError } from '../errors.js'

/** Signs encoded manifest bytes with the seeder's libp2p key */
export async function signManifest (key: PrivateKey, manifest: Uint8Array): Promise<Uint8Array> {
  return await key.sign(manifest)
}

/**
 * Checks that one of the trusted seeders signed the manifest; returns that
 * seeder's peer id. Only peer ids that embed their public key (Ed25519) can
 * be trusted this way.
 */
export async function verifyManifest (manifest: Uint8Array, signature: Uint8Array, trusted: string[]): Promise<string> {
  for (const id of trusted) {
    const key = peerIdFromString(id).publicKey
    if (key != null && await key.verify(manifest, signature)) return id
  }
  throw new UntrustedManifestError(`manifest is not signed by a trusted seeder (${trusted.join(', ')}): check --trust / --seeder on this peer`)
}

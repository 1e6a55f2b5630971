import test from 'ava'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { signManifest, verifyManifest } from '../../src/image/sign.js'
import { UntrustedManifestError } from '../../src/errors.js'

const manifest = new TextEncoder().encode('PCM1 a manifest')

test('a manifest signed by a trusted seeder verifies, and names that seeder', async t => {
  const seeder = await generateKeyPair('Ed25519')
  const other = await generateKeyPair('Ed25519')
  const sig = await signManifest(seeder, manifest)
  const id = peerIdFromPrivateKey(seeder).toString()
  t.is(await verifyManifest(manifest, sig, [peerIdFromPrivateKey(other).toString(), id]), id)
})

test('a manifest signed by an untrusted key is refused', async t => {
  const trusted = await generateKeyPair('Ed25519')
  const attacker = await generateKeyPair('Ed25519')
  const sig = await signManifest(attacker, manifest)
  await t.throwsAsync(verifyManifest(manifest, sig, [peerIdFromPrivateKey(trusted).toString()]), { instanceOf: UntrustedManifestError })
})

test('a trusted signature over other bytes is refused', async t => {
  const trusted = await generateKeyPair('Ed25519')
  const sig = await signManifest(trusted, manifest)
  const altered = manifest.slice()
  altered[altered.length - 1] ^= 1
  await t.throwsAsync(verifyManifest(altered, sig, [peerIdFromPrivateKey(trusted).toString()]), { instanceOf: UntrustedManifestError })
  await t.throwsAsync(verifyManifest(manifest, sig, []), { instanceOf: UntrustedManifestError })
})

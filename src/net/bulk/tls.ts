/**
 * TLS settings of the bulk channel: TLS 1.3 only, authenticated by a
 * pre-shared key that the two nodes agreed over their noise-secured libp2p
 * stream (no certificates). OpenSSL runs the AES-GCM record layer and, with
 * the psk_dhe_ke mode, still makes a fresh ECDHE key per connection.
 */
export const BULK_TLS_OPTIONS = {
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256'
} as const

/** Data encryption settings of `[swarm] data_encryption` */
export type DataEncryption = 'tls' | 'none'
export const DATA_ENCRYPTIONS: readonly DataEncryption[] = ['tls', 'none']

/** The PSK identity of a token (TLS carries identities as text) */
export function pskIdentity (token: Uint8Array): string {
  return Buffer.from(token).toString('hex')
}

import type { ImageMeta } from '../../src/image/meta.js'

/** A well-formed image meta for announcement tests */
export const meta = (imageId: string): ImageMeta => ({
  imageId,
  manifestId: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  size: 123,
  blockSize: 1048576,
  sha256: 'c'.repeat(64),
  seeders: [{ peerId: '12D3KooWAfW2jWt4AGETVDVynNkfDxwgUdDgkeAt3SwpomLjCMeC', addrs: ['/ip4/127.0.0.1/tcp/4001'] }]
})

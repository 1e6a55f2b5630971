/**
 * A hostile swarm member built on the project's own node factory: it holds
 * the swarm key, so it passes the handshake, and then abuses the block
 * protocol (huge length prefixes, idle streams, requests for blocks it was
 * never offered).
 */
import { readFile } from 'node:fs/promises'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../../src/net/node.js'
import type { PrecacheNode } from '../../src/net/node.js'
import { decodeSwarmKey } from '../../src/net/swarm-key.js'
import { BLOCK_PROTOCOL, encode } from '../../src/swarm/wire.js'
import { readMessages } from '../../src/swarm/stream-io.js'
import type { Message } from '../../src/swarm/wire.js'

export interface HostileClient {
  node: PrecacheNode
  /** opens `n` block streams; resolves with the ones the seeder accepted */
  open: (n: number) => Promise<Stream[]>
  /** a stream whose messages from the other side are collected */
  session: (manifestId: Uint8Array) => Promise<{ stream: Stream, received: Message[] }>
  stop: () => Promise<void>
}

export function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}

export function send (stream: Stream, msg: Message): void {
  for (const chunk of encode(msg)) stream.send(chunk)
}

/** resolves when the stream is closed or reset, or false after `ms` */
export async function closedWithin (stream: Stream, ms: number): Promise<boolean> {
  if (stream.status !== 'open') return true
  return await new Promise(resolve => {
    const timer = setTimeout(() => { resolve(stream.status !== 'open') }, ms)
    stream.addEventListener('close', () => { clearTimeout(timer); resolve(true) }, { once: true })
  })
}

export async function createHostileClient (swarmKeyFile: string, seederAddr: string): Promise<HostileClient> {
  const node = await createNode({ swarmKey: decodeSwarmKey(await readFile(swarmKeyFile, 'utf8')), listen: ['/ip4/127.0.0.1/tcp/0'] })
  const target = multiaddr(seederAddr)
  const dial = async (): Promise<Stream> => await node.dialProtocol(target, BLOCK_PROTOCOL, { maxOutboundStreams: 1024, signal: AbortSignal.timeout(10_000) } as any)
  return {
    node,
    async open (n) {
      const got = await Promise.allSettled(Array.from({ length: n }, dial))
      return got.filter(r => r.status === 'fulfilled').map(r => (r as PromiseFulfilledResult<Stream>).value)
    },
    async session (manifestId) {
      const stream = await dial()
      const received: Message[] = []
      send(stream, { type: 'hello', manifestId, seeder: false })
      void (async () => { for await (const m of readMessages(stream)) received.push(m) })().catch(() => {})
      return { stream, received }
    },
    stop: async () => { await node.stop() }
  }
}

/**
 * The HELLO exchange that opens every block-protocol stream (SPEC.md §3):
 * each side names the manifest the stream is about; until then the decoder
 * accepts nothing but a HELLO, afterwards blocks up to the manifest's block
 * size.
 */
import type { Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import { WireDecodeError } from '../errors.js'
import { readMessages, writeMessage } from './stream-io.js'
import type { Torrent } from './torrent.js'
import type { DecoderLimits, Message } from './wire.js'

/** Time allowed for dialling and the HELLO exchange (also the first-message deadline of an inbound stream). @default 10000 */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000

/** Decoder limits of a running session: blocks up to the manifest's block size, no MANIFEST */
export const sessionLimits = (t: Torrent): DecoderLimits => ({ maxBlockSize: t.store.manifest.blockSize, maxManifestBytes: 0 })

/**
 * The dialling side: sends our HELLO, waits for the neighbour's HELLO for the
 * same manifest (until `signal` aborts), then widens the decoder to `after`
 */
export async function helloExchange (stream: Stream, manifestId: string, seeder: boolean, signal: AbortSignal, after: DecoderLimits): Promise<AsyncIterator<Message>> {
  const limits: DecoderLimits = { helloOnly: true }
  const messages = readMessages(stream, limits)[Symbol.asyncIterator]()
  await writeMessage(stream, { type: 'hello', manifestId: CID.parse(manifestId).bytes, seeder })
  const first = await Promise.race([messages.next(), new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => { reject(new WireDecodeError('no HELLO from neighbour in time')) }, { once: true })
  })])
  if (first.done === true || first.value.type !== 'hello' || CID.decode(first.value.manifestId).toString() !== manifestId) {
    throw new WireDecodeError('neighbour answered with something other than HELLO for this manifest')
  }
  Object.assign(limits, { helloOnly: false }, after)
  return messages
}

export interface InboundHello {
  /** the manifest the neighbour asked about */
  manifestId: Uint8Array
  /** the stream's messages after the HELLO */
  messages: AsyncIterator<Message>
  /** widens the decoder once the manifest is known */
  widen: (after: DecoderLimits) => void
}

/**
 * The accepting side: the first message must be a HELLO, within
 * DEFAULT_HANDSHAKE_TIMEOUT. A late HELLO is an Error (not a strike: a slow or
 * overloaded honest node may miss it too); anything else a WireDecodeError.
 */
export async function awaitHello (stream: Stream): Promise<InboundHello> {
  const limits: DecoderLimits = { helloOnly: true }
  let timer: NodeJS.Timeout | undefined
  try {
    const messages = readMessages(stream, limits)[Symbol.asyncIterator]()
    const first = await Promise.race([messages.next(), new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no HELLO within ${DEFAULT_HANDSHAKE_TIMEOUT / 1000} s`)) }, DEFAULT_HANDSHAKE_TIMEOUT)
    })])
    if (first.done === true || first.value.type !== 'hello') throw new WireDecodeError('expected HELLO')
    return { manifestId: first.value.manifestId, messages, widen: (after) => { Object.assign(limits, { helloOnly: false }, after) } }
  } finally {
    clearTimeout(timer)
  }
}

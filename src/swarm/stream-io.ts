/**
 * Message I/O over a libp2p stream: framed writes with bounded buffering, and
 * an async iterator of decoded messages.
 */
import type { Stream } from '@libp2p/interface'
import { createDecoder, encode } from './wire.js'
import type { DecoderLimits, Message } from './wire.js'

/**
 * Bytes a stream may buffer before a writer waits for the muxer to drain
 *
 * @default 4 MiB
 */
export const DEFAULT_WRITE_HIGH_WATER = 4 * 1024 * 1024

/** Sends one message; waits while the stream's write buffer is above the high-water mark */
export async function writeMessage (stream: Stream, msg: Message, highWater = DEFAULT_WRITE_HIGH_WATER): Promise<void> {
  for (const chunk of encode(msg)) stream.send(chunk)
  while (stream.writeBufferLength > highWater && stream.status === 'open' && stream.writeStatus === 'writable') {
    await new Promise<void>(resolve => {
      const done = (): void => {
        stream.removeEventListener('drain', done)
        stream.removeEventListener('close', done)
        resolve()
      }
      stream.addEventListener('drain', done)
      stream.addEventListener('close', done)
    })
  }
}

/** Decodes messages from a stream until it ends; throws WireDecodeError on garbage */
export async function * readMessages (stream: Stream, limits?: DecoderLimits): AsyncGenerator<Message> {
  const decoder = createDecoder(limits)
  for await (const chunk of stream) {
    decoder.push(chunk)
    let msg: Message | undefined
    while ((msg = decoder.next()) !== undefined) yield msg
  }
}

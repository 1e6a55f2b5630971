/**
 * A bulk channel once its HELLO is through: BLOCK frames both ways over one
 * TCP (or TLS) socket. Received bodies are copied straight from the socket's
 * chunks into reused block buffers; reading pauses while too many of them
 * are held (being hashed and written). Sent blocks go to the socket as one
 * large buffer each; `sendBlock` resolves once the socket no longer needs it.
 */
import type { Socket } from 'node:net'
import { BulkChannelError, BulkDecodeError, errorMessage } from '../../errors.js'
import { createBulkDecoder, encodeBlockHeader } from './frames.js'
import { sharedBuffer } from '../../util/hash-pool.js'

/** Received blocks held at once (hashing, writing) before the socket stops being read. @default 24 */
export const DEFAULT_MAX_HELD = 24

export interface BulkChannelInit {
  socket: Socket
  /** bytes that arrived after the HELLO */
  rest?: Uint8Array
  /** largest block accepted (the manifest's block size) */
  maxBlockSize: number
  /** is this block wanted? an unwanted block's bytes are read and dropped */
  wants: (index: number, length: number) => boolean
  /** a whole block arrived; `release` hands its buffer back (call it once, after the last use) */
  onBlock: (index: number, data: Uint8Array, release: () => void) => void
  /** the channel ended; `err` tells why when it failed, a BulkDecodeError when the remote broke the framing */
  onClose: (err?: Error) => void
  maxHeld?: number
}

export interface BulkChannel {
  /** sends a block; resolves once the socket has taken the bytes (the buffer may then be reused) */
  sendBlock: (index: number, data: Uint8Array) => Promise<void>
  readonly open: boolean
  close: (err?: Error) => void
}

export function createBulkChannel (init: BulkChannelInit): BulkChannel {
  const { socket } = init
  const maxHeld = init.maxHeld ?? DEFAULT_MAX_HELD
  const free: Uint8Array[] = []
  let held = 0
  let open = true

  const release = (buf: Uint8Array): void => {
    held--
    if (free.length < maxHeld) free.push(buf)
    if (open && socket.isPaused() && held < maxHeld) socket.resume()
  }

  const decoder = createBulkDecoder({
    maxBlockSize: init.maxBlockSize,
    acquire (index, length) {
      if (!init.wants(index, length)) return undefined
      held++
      // shared memory: the block is hashed in place on a worker thread (util/hash-pool.ts)
      return free.pop() ?? sharedBuffer(init.maxBlockSize)
    }
  })

  const close = (err?: Error): void => {
    if (!open) return
    open = false
    socket.off('data', onData)
    if (err != null) socket.destroy(); else socket.end()
    init.onClose(err)
  }

  const onData = (chunk: Uint8Array): void => {
    let frames
    try {
      frames = decoder.push(chunk)
    } catch (err) {
      close(err instanceof BulkDecodeError ? err : new BulkDecodeError(errorMessage(err)))
      return
    }
    for (const f of frames) {
      if (f.type !== 'block') continue
      // the whole pooled buffer the body was copied into
      const whole = Buffer.from(f.data.buffer as ArrayBuffer, f.data.byteOffset, init.maxBlockSize)
      let once = false
      init.onBlock(f.index, f.data, () => { if (!once) { once = true; release(whole) } })
    }
    if (held >= maxHeld) socket.pause()
  }

  socket.on('error', (err) => { close(new BulkChannelError(`bulk channel failed: ${errorMessage(err)}`)) })
  socket.on('end', () => { close() })
  socket.on('close', () => { close(decoder.idle ? undefined : new BulkChannelError('bulk channel closed in the middle of a block')) })
  socket.setNoDelay(true)
  if (init.rest != null && init.rest.length > 0) onData(init.rest)
  socket.on('data', onData)
  socket.resume()

  return {
    get open () { return open },
    async sendBlock (index, data) {
      if (!open) throw new BulkChannelError('bulk channel is closed')
      await new Promise<void>((resolve, reject) => {
        socket.cork()
        socket.write(encodeBlockHeader(index, data.length))
        socket.write(data, (err) => { if (err != null) reject(new BulkChannelError(`bulk send failed: ${errorMessage(err)}`)); else resolve() })
        socket.uncork()
      })
    },
    close
  }
}

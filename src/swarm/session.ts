/**
 * One neighbour on one image: the conversation of SPEC.md after HELLO.
 * Tracks what the neighbour holds, keeps up to `requestsPerPeer` requests in
 * flight to it (blocks chosen by the torrent's picker), and serves its
 * requests one at a time through the upload rate limit.
 */
import { metrics } from '../ops/metrics.js'
import type { Stream } from '@libp2p/interface'
import { BitSet } from './bitset.js'
import { writeMessage } from './stream-io.js'
import type { Message } from './wire.js'
import { BlockHashMismatchError, CorruptCopyError, WireDecodeError } from '../errors.js'
import type { SwarmContext } from './context.js'

/**
 * A request not answered within this time is given to another neighbour
 *
 * @default 30000
 */
export const DEFAULT_REQUEST_TIMEOUT = 30_000
/** Requests a neighbour may queue with us; more is a protocol violation */
const MAX_QUEUED_REQUESTS = 256
/** Blocks received but not yet verified and written, from unrequested BLOCKs; more are dropped */
const MAX_UNASKED_WRITES = 4

export interface Session {
  readonly remote: string
  /** blocks the neighbour holds (or, for a super-seeder, has offered) */
  readonly remoteHas: BitSet
  /** tell the neighbour we now hold a block */
  have: (index: number) => void
  /** withdraw our request for a block (someone else delivered it) */
  cancel: (index: number) => void
  /** send a message (HAVE offers, PEERS) */
  send: (msg: Message) => void
  /** issue more requests if the picker has work for this neighbour */
  pump: () => void
  /** run until the stream ends */
  run: () => Promise<void>
  close: () => void
}

export function createSession (stream: Stream, messages: AsyncIterator<Message>, remote: string, ctx: SwarmContext): Session {
  const remoteHas = new BitSet(ctx.store.have.size)
  const inFlight = new Map<number, number>() // index → time requested
  const uploads: number[] = []
  let uploading = false
  let writes = 0
  let unasked = 0
  /** blocks sent to this neighbour, and those it complained about (each re-checked once) */
  const sentTo = new BitSet(ctx.store.have.size)
  const complained = new BitSet(ctx.store.have.size)
  let closed = false
  let outbox: Promise<void> = Promise.resolve()

  const send = (msg: Message): void => {
    if (closed) return
    outbox = outbox.then(async () => { if (!closed) await writeMessage(stream, msg) }).catch(() => { session.close() })
  }

  const pump = (): void => {
    const picker = ctx.picker
    if (closed || picker == null) return
    const limit = ctx.requestsPerPeer()
    while (inFlight.size + writes < limit * 2 && inFlight.size < limit) {
      const index = picker.pick(remote)
      if (index === undefined) break
      inFlight.set(index, Date.now())
      send({ type: 'request', index })
    }
  }

  const serveUploads = async (): Promise<void> => {
    if (uploading) return
    uploading = true
    try {
      while (uploads.length > 0 && !closed) {
        const index = uploads.shift() as number
        let data: Uint8Array
        try {
          data = await ctx.store.read(index)
        } catch (err) {
          if (!(err instanceof CorruptCopyError)) throw err
          ctx.corruptLocal(index)
          send({ type: 'reject', index })
          continue
        }
        await ctx.upload.take(data.length, ctx.signal)
        if (closed) break
        send({ type: 'block', index, data })
        await outbox
        sentTo.set(index)
        ctx.ledger.sent(remote, data.length)
        metrics.sent(data.length)
        ctx.onUploaded(remote, index)
      }
    } catch (err: any) {
      ctx.log.warn(`upload to ${remote} failed: ${err.message}`)
      session.close()
    } finally {
      uploading = false
    }
  }

  /**
   * A block arrived: free its request slot at once (so the pipeline stays
   * full), then verify and store it off the read loop. Writes in progress are
   * bounded by the requests in flight.
   */
  const onBlock = (index: number, data: Uint8Array[], length: number): void => {
    const asked = inFlight.delete(index)
    // a block we gave up on (timed out, cancelled) is still worth keeping if we lack it
    if (!asked && (ctx.store.have.get(index) || index >= ctx.store.have.size || unasked >= MAX_UNASKED_WRITES)) return
    ctx.ledger.received(remote, length)
    metrics.received(remote, length)
    writes++
    if (!asked) unasked++
    const done = ctx.store.write(index, data).then(fresh => {
      if (fresh) { metrics.blockVerified(); ctx.onBlock(index, remote) }
    }, (err) => {
      if (asked) ctx.picker?.failed(index, remote)
      if (!(err instanceof BlockHashMismatchError)) { ctx.log.warn(`cannot store block ${index}: ${err.message}`); return }
      metrics.blockRejected()
      ctx.log.warn(`${remote} sent a corrupt block ${index}: told it, struck it`)
      send({ type: 'corrupt', index })
      if (ctx.strike(remote, `sent corrupt block ${index}`)) session.close()
    }).finally(() => { writes--; if (!asked) unasked--; pump() })
    void done
    pump()
  }

  const handle = async (msg: Message): Promise<void> => {
    switch (msg.type) {
      case 'bitfield': {
        const bits = BitSet.fromBytes(remoteHas.size, msg.bits)
        for (let i = 0; i < bits.size; i++) if (bits.get(i)) remoteHas.set(i)
        ctx.picker?.addPeer(remote, remoteHas)
        ctx.onRemoteHas(remote, remoteHas)
        pump()
        break
      }
      case 'have':
        if (msg.index < remoteHas.size && remoteHas.set(msg.index)) {
          ctx.picker?.peerHas(remote, msg.index)
          ctx.onRemoteHave(remote, msg.index)
          pump()
        }
        break
      case 'request':
        if (msg.index < remoteHas.size && ctx.store.have.get(msg.index) && uploads.length < MAX_QUEUED_REQUESTS &&
          !ctx.corrupt && ctx.mayServe(remote, msg.index)) {
          uploads.push(msg.index)
          void serveUploads()
        } else {
          send({ type: 'reject', index: msg.index })
        }
        break
      case 'cancel': {
        const at = uploads.indexOf(msg.index)
        if (at >= 0) uploads.splice(at, 1)
        break
      }
      case 'reject':
        if (inFlight.delete(msg.index)) {
          ctx.picker?.failed(msg.index, remote)
          setTimeout(pump, 100)
        }
        break
      case 'block': {
        // the block's bytes as they arrived, without joining them into one buffer
        const data = msg.data instanceof Uint8Array ? [msg.data] : [...msg.data]
        const length = msg.data.byteLength
        await ctx.download.take(length, ctx.signal)
        onBlock(msg.index, data, length)
        break
      }
      case 'manifest-request':
        send({ type: 'manifest', manifest: ctx.manifestBytes, signature: ctx.signature })
        break
      case 'peers':
        ctx.onPeers(remote, msg.peers)
        break
      case 'corrupt':
        if (!sentTo.get(msg.index)) {
          if (ctx.strike(remote, `CORRUPT for block ${msg.index}, which we never sent it`)) session.close()
        } else if (complained.set(msg.index)) {
          ctx.log(`${remote} says block ${msg.index} we sent was corrupt: re-checking our copy`)
          ctx.recheck(msg.index)
        }
        break
      default:
        break
    }
  }

  const timer = setInterval(() => {
    const now = Date.now()
    for (const [index, at] of inFlight) {
      if (now - at > ctx.requestTimeout) {
        // tell the neighbour, so a slow link is not kept busy with a block
        // that will be fetched elsewhere
        session.cancel(index)
        ctx.picker?.failed(index, remote)
      }
    }
    pump()
  }, 1000)
  timer.unref()

  const session: Session = {
    remote,
    remoteHas,
    have: (index) => { send({ type: 'have', index }) },
    cancel (index) {
      if (inFlight.delete(index)) send({ type: 'cancel', index })
    },
    send,
    pump,
    async run () {
      try {
        while (!closed) {
          const next = await messages.next()
          if (next.done === true) break
          await handle(next.value)
        }
      } catch (err: any) {
        if (!closed) ctx.log.debug(`session with ${remote} ended: ${err.message}`)
        // garbage on the wire is a strike; a reset or a timeout is not
        if (!closed && err instanceof WireDecodeError) ctx.strike(remote, `block protocol: ${String(err.message)}`)
      } finally {
        session.close()
      }
    },
    close () {
      if (closed) return
      closed = true
      clearInterval(timer)
      for (const index of inFlight.keys()) ctx.picker?.failed(index, remote)
      inFlight.clear()
      ctx.picker?.removePeer(remote)
      ctx.onClose(session)
      stream.close().catch(() => { stream.abort(new Error('closed')) })
    }
  }
  return session
}

/**
 * One neighbour on one image: the conversation of SPEC.md after HELLO.
 * Tracks what the neighbour holds, keeps up to `requestsPerPeer` requests in
 * flight to it (blocks chosen by the torrent's picker), and serves its
 * requests one at a time through the upload rate limit.
 */
import { metrics } from '../ops/metrics.js'
import type { Stream } from '@libp2p/interface'
import type { Socket } from 'node:net'
import { BitSet } from './bitset.js'
import { createBulkChannel, type BulkChannel } from '../net/bulk/channel.js'
import type { Grant } from '../net/bulk/listener.js'
import { writeMessage } from './stream-io.js'
import type { Message } from './wire.js'
import { BlockHashMismatchError, BulkDecodeError, CorruptCopyError, DataEncryptionMismatchError, WireDecodeError, errorMessage } from '../errors.js'
import { expiredRequests, mayRequest } from './policy.js'
import type { SwarmContext } from './context.js'

/**
 * A request not answered within this time is given to another neighbour
 *
 * @default 30000
 */
export const DEFAULT_REQUEST_TIMEOUT = 30_000
/**
 * How often a session looks for requests that timed out (and sends more)
 *
 * @default 1000
 */
export const REQUEST_CHECK_INTERVAL = 1000
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
  /** block payloads to and from this neighbour cross this bulk socket from now on */
  attachBulk: (socket: Socket, rest: Uint8Array) => void
  /** a grant we gave the neighbour: revoked if the session ends before it is used */
  granted: (grant: Grant) => void
  /** run until the stream ends */
  run: () => Promise<void>
  close: () => void
}

export interface SessionOptions {
  /** we opened the stream (we dial the neighbour's bulk channel when granted one) */
  outbound?: boolean
  /** the neighbour's IP address as the libp2p connection sees it */
  remoteHost?: string
}

export function createSession (stream: Stream, messages: AsyncIterator<Message>, remote: string, ctx: SwarmContext, opts: SessionOptions = {}): Session {
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
  let bulk: BulkChannel | undefined
  let grant: Grant | undefined
  /** the buffer a block is read into before it is sent over the bulk channel (reused) */
  let sendBuffer: Uint8Array | undefined

  const send = (msg: Message): void => {
    if (closed) return
    outbox = outbox.then(async () => { if (!closed) await writeMessage(stream, msg) }).catch(() => { session.close() })
  }

  const pump = (): void => {
    const picker = ctx.picker
    if (closed || picker == null) return
    const limit = ctx.requestsPerPeer()
    while (mayRequest(inFlight.size, writes, limit)) {
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
        const channel = bulk
        if (channel != null) sendBuffer ??= Buffer.allocUnsafe(ctx.store.manifest.blockSize)
        let data: Uint8Array
        try {
          data = await ctx.store.read(index, channel != null ? sendBuffer : undefined)
        } catch (err) {
          if (!(err instanceof CorruptCopyError)) throw err
          ctx.corruptLocal(index)
          send({ type: 'reject', index })
          continue
        }
        await ctx.upload.take(data.length, ctx.signal)
        if (closed) break
        if (channel != null) {
          // a failed bulk send drops the block: the neighbour's channel fails
          // too, and it asks again (over libp2p if need be)
          if (!(await channel.sendBlock(index, data).then(() => true, () => false))) continue
        } else {
          send({ type: 'block', index, data })
          await outbox
        }
        sentTo.set(index)
        ctx.ledger.sent(remote, data.length)
        metrics.sent(data.length)
        ctx.onUploaded(remote, index)
      }
    } catch (err) {
      ctx.log.warn(`upload to ${remote} failed: ${errorMessage(err)}`)
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
  const onBlock = (index: number, data: Uint8Array | Uint8Array[], length: number, release?: () => void, viaBulk = false): void => {
    const asked = inFlight.delete(index)
    // a block we gave up on (timed out, cancelled) is still worth keeping if we lack it
    if (!asked && (ctx.store.have.get(index) || index >= ctx.store.have.size || unasked >= MAX_UNASKED_WRITES)) { release?.(); return }
    ctx.ledger.received(remote, length, viaBulk)
    metrics.received(remote, length)
    writes++
    if (!asked) unasked++
    const done = ctx.store.write(index, data).then(fresh => {
      if (fresh) { metrics.blockVerified(); ctx.onBlock(index, remote) }
    }, (err) => {
      if (asked) ctx.picker?.failed(index, remote)
      if (!(err instanceof BlockHashMismatchError)) { ctx.log.warn(`cannot store block ${index}: ${errorMessage(err)}`); return }
      metrics.blockRejected()
      ctx.log.warn(`${remote} sent a corrupt block ${index}: told it, struck it`)
      send({ type: 'corrupt', index })
      if (ctx.strike(remote, `sent corrupt block ${index}`)) session.close()
    }).finally(() => { release?.(); writes--; if (!asked) unasked--; pump() })
    void done
    pump()
  }

  /** a block is worth reading off the bulk channel if we asked for it or lack it */
  const wants = (index: number): boolean => !closed && index < ctx.store.have.size && (inFlight.has(index) || !ctx.store.have.get(index))

  const attachBulk = (socket: Socket, rest: Uint8Array): void => {
    if (closed || bulk != null) { socket.destroy(); return }
    grant = undefined
    bulk = createBulkChannel({
      socket,
      rest,
      maxBlockSize: ctx.store.manifest.blockSize,
      wants,
      onBlock (index, data, release) {
        ctx.download.take(data.length, ctx.signal).then(() => { onBlock(index, data, data.length, release, true) }, release)
      },
      onClose (err) {
        bulk = undefined
        if (closed || err == null) return
        if (err instanceof BulkDecodeError) ctx.dataPath?.strike(remote, `bulk channel: ${errorMessage(err)}`)
        ctx.dataPath?.fallback(remote, `bulk channel failed (${errorMessage(err)})`)
        // blocks in flight on the lost channel are asked for again
        for (const index of inFlight.keys()) ctx.picker?.failed(index, remote)
        inFlight.clear()
        pump()
      }
    })
  }

  const onDataChannel = (msg: Extract<Message, { type: 'data-channel' }>): void => {
    const dp = ctx.dataPath
    if (dp == null) return
    dp.check(remote, msg) // throws on a data_encryption mismatch: the session ends
    if (opts.outbound !== true || msg.grant == null || bulk != null) return
    if (dp.port === 0) return // this node keeps every block on libp2p
    if (opts.remoteHost == null) { dp.fallback(remote, 'the neighbour\'s address is not an IP address'); return }
    dp.dial(opts.remoteHost, msg, ctx.signal).then(socket => { attachBulk(socket, new Uint8Array(0)) }, (err: Error) => {
      // the session ended meanwhile (e.g. a duplicate session between the two
      // nodes was dropped, revoking its grant): routine, and the next session tries again
      if (closed) { ctx.log.debug(`bulk channel to ${opts.remoteHost ?? ''}:${msg.port} not opened, the session ended: ${errorMessage(err)}`); return }
      dp.fallback(remote, `cannot open a bulk channel to ${opts.remoteHost ?? ''}:${msg.port} (${errorMessage(err)}); open that TCP port between nodes`)
    })
  }

  const handle = async (msg: Message): Promise<void> => {
    switch (msg.type) {
      case 'bitfield': {
        remoteHas.union(BitSet.fromBytes(remoteHas.size, msg.bits))
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
      case 'data-channel':
        onDataChannel(msg)
        break
      default:
        break
    }
  }

  const timer = setInterval(() => {
    for (const index of expiredRequests(inFlight, Date.now(), ctx.requestTimeout)) {
      // tell the neighbour, so a slow link is not kept busy with a block
      // that will be fetched elsewhere
      session.cancel(index)
      ctx.picker?.failed(index, remote)
    }
    pump()
  }, REQUEST_CHECK_INTERVAL)
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
    attachBulk,
    granted (g) { grant = g },
    async run () {
      try {
        while (!closed) {
          const next = await messages.next()
          if (next.done === true) break
          await handle(next.value)
        }
      } catch (err) {
        if (!closed && !(err instanceof DataEncryptionMismatchError)) ctx.log.debug(`session with ${remote} ended: ${errorMessage(err)}`)
        // garbage on the wire is a strike; a reset or a timeout is not
        if (!closed && err instanceof WireDecodeError) ctx.strike(remote, `block protocol: ${errorMessage(err)}`)
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
      if (grant != null) ctx.dataPath?.revoke(grant)
      bulk?.close()
      ctx.onClose(session)
      stream.close().catch(() => { stream.abort(new Error('closed')) })
    }
  }
  return session
}

/**
 * Candidate data paths, measured alone: two processes on loopback move a file
 * (default 1 GiB) in 1 MiB blocks; the receiver SHA-256s every block and writes
 * it at its offset. Prints MB/s and CPU seconds per GiB of each side (from
 * /proc, all threads), so transports can be compared by CPU per byte.
 *
 *   node dist/bench/bulk-paths.js [--transport tcp|tls] [--hash sync|subtle] [--size 1GiB] [--repeat 1]
 */
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, connect, type Socket } from 'node:net'
import * as tls from 'node:tls'
import { open, rm, mkdtemp } from 'node:fs/promises'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createHash, webcrypto } from 'node:crypto'
import { cpuSeconds } from './proc.js'
import { parseSize } from '../src/config/units.js'
import { writeRandomImage } from '../src/demo/image.js'

const BLOCK = 1024 * 1024
const GiB = 1024 ** 3

async function sender (file: string, port: number, transport: string, psk: Buffer): Promise<void> {
  const fh = await open(file, 'r')
  const size = (await fh.stat()).size
  const sock: Socket = transport === 'tcp-static'
    ? await new Promise<Socket>(resolve => { const srv = createServer(s => { srv.close(); resolve(s) }); srv.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.({ listening: true })) })
    : transport === 'tls'
    ? tls.connect({ port, host: '127.0.0.1', minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', pskCallback: () => ({ psk, identity: 'bench' }), checkServerIdentity: () => undefined })
    : connect({ port, host: '127.0.0.1' })
  if (transport !== 'tcp-static') await new Promise(resolve => sock.once(transport === 'tls' ? 'secureConnect' : 'connect', resolve))
  // a pool of 8 block buffers, each reused once the socket has taken it
  const pool: Buffer[] = Array.from({ length: 8 }, () => Buffer.allocUnsafe(BLOCK + 8))
  const waiters: Array<() => void> = []
  const take = async (): Promise<Buffer> => { while (pool.length === 0) await new Promise<void>(resolve => waiters.push(resolve)); return pool.pop() as Buffer }
  const give = (b: Buffer): void => { pool.push(b); waiters.shift()?.() }
  for (let index = 0, pos = 0; pos < size; index++, pos += BLOCK) {
    const buf = await take()
    const { bytesRead } = await fh.read(buf, 8, BLOCK, pos)
    buf.writeUInt32BE(index, 0)
    buf.writeUInt32BE(bytesRead, 4)
    sock.write(buf.subarray(0, 8 + bytesRead), () => { give(buf) })
  }
  await new Promise<void>(resolve => sock.end(resolve))
  await fh.close()
}

async function receiver (out: string, transport: string, hash: string, psk: Buffer, ready: (port: number) => void): Promise<void> {
  const fh = await open(out, 'w')
  const pool: Buffer[] = Array.from({ length: 16 }, () => Buffer.allocUnsafe(BLOCK))
  let pending = 0
  await new Promise<void>(resolve => {
    const onSocket = (sock: Socket, fed?: (feed: (chunk: Buffer) => void) => void): void => {
      let header = Buffer.alloc(0)
      let cur: Buffer | undefined
      let need = 0; let filled = 0; let index = 0
      const finish = (buf: Buffer, idx: number, len: number): void => {
        pending++
        if (pool.length === 0) sock.pause()
        const data = buf.subarray(0, len)
        const digest = hash === 'subtle'
          ? webcrypto.subtle.digest('SHA-256', data)
          : Promise.resolve(createHash('sha256').update(data).digest())
        void digest.then(async () => await fh.write(data, 0, len, idx * BLOCK)).then(() => {
          pool.push(buf); pending--
          sock.resume()
          if (pending === 0 && sock.readableEnded) resolve()
        })
      }
      const feed = (chunk: Buffer): void => {
        let off = 0
        while (off < chunk.length) {
          if (cur == null) {
            const take = Math.min(8 - header.length, chunk.length - off)
            header = Buffer.concat([header, chunk.subarray(off, off + take)]); off += take
            if (header.length < 8) break
            index = header.readUInt32BE(0); need = header.readUInt32BE(4); header = Buffer.alloc(0)
            cur = pool.pop() ?? Buffer.allocUnsafe(BLOCK); filled = 0
          }
          const n = Math.min(need - filled, chunk.length - off)
          chunk.copy(cur, filled, off, off + n); filled += n; off += n
          if (filled === need) { finish(cur, index, need); cur = undefined }
        }
      }
      if (fed != null) fed(feed); else sock.on('data', feed)
      sock.on('end', () => { if (pending === 0) resolve() })
    }
    if (transport === 'tcp-static') {
      // the receiver connects, reading into one reused buffer (net's onread)
      let feed: (chunk: Buffer) => void = () => {}
      const sock = connect({ port: Number(process.env.PORT), host: '127.0.0.1', onread: { buffer: Buffer.allocUnsafe(256 * 1024), callback: (n: number, buf: Uint8Array) => { feed(Buffer.from(buf.buffer, buf.byteOffset, n)); return true } } } as any)
      onSocket(sock, f => { feed = f })
      return
    }
    const server = transport === 'tls'
      ? tls.createServer({ minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', pskCallback: () => psk }, onSocket)
      : createServer(onSocket)
    server.listen(0, '127.0.0.1', () => { ready((server.address() as any).port) })
  })
  await fh.close()
}

function cpu (pid: number): number { const c = cpuSeconds(pid); return c.userSeconds + c.systemSeconds }

const role = process.argv[2]
if (role === 'send' || role === 'recv') {
  const [, , , arg, transport, hash, pskHex] = process.argv
  const psk = Buffer.from(pskHex, 'hex')
  if (role === 'send') { await sender(arg, Number(process.env.PORT), transport, psk) } else {
    await receiver(arg, transport, hash, psk, port => process.send?.({ port }))
  }
  process.send?.({ cpu: cpu(process.pid), rssMB: process.resourceUsage().maxRSS / 1024 }, () => process.exit(0))
} else {
  const { values } = parseArgs({ options: { transport: { type: 'string', default: 'tcp' }, hash: { type: 'string', default: 'subtle' }, size: { type: 'string', default: '1GiB' }, repeat: { type: 'string', default: '1' } } })
  const size = parseSize(values.size as string)
  const dir = await mkdtemp(join(tmpdir(), 'pc-paths-'))
  const src = join(dir, 'src.img')
  await writeRandomImage(src, size)
  const psk = randomBytes(32).toString('hex')
  const me = new URL(import.meta.url).pathname
  for (let i = 0; i < Number(values.repeat); i++) {
    const load = loadavg()[0]
    const t = values.transport as string
    let recv: ReturnType<typeof fork>, send: ReturnType<typeof fork>
    let t0 = process.hrtime.bigint()
    if (t === 'tcp-static') {
      const port = 20000 + Math.floor(Math.random() * 20000)
      send = fork(me, ['send', src, t, values.hash as string, psk], { env: { ...process.env, PORT: String(port) } })
      await new Promise<void>(resolve => send.on('message', (m: any) => { if (m.listening === true) resolve() }))
      t0 = process.hrtime.bigint()
      recv = fork(me, ['recv', join(dir, 'out.img'), t, values.hash as string, psk], { env: { ...process.env, PORT: String(port) } })
    } else {
      recv = fork(me, ['recv', join(dir, 'out.img'), t, values.hash as string, psk])
      const port: number = await new Promise(resolve => recv.on('message', (m: any) => { if (m.port != null) resolve(m.port) }))
      t0 = process.hrtime.bigint()
      send = fork(me, ['send', src, t, values.hash as string, psk], { env: { ...process.env, PORT: String(port) } })
    }
    const result = (c: ReturnType<typeof fork>): Promise<any> => new Promise(resolve => c.on('message', (m: any) => { if (m.cpu != null) resolve(m) }))
    const [s, r] = await Promise.all([result(send), result(recv)])
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const gib = size / GiB
    const row = { bench: 'bulk-paths', transport: values.transport, hash: values.hash, MBps: +(size / 1e6 / seconds).toFixed(0), senderCpuPerGiB: +(s.cpu / gib).toFixed(2), receiverCpuPerGiB: +(r.cpu / gib).toFixed(2), receiverRssMB: +r.rssMB.toFixed(0), load1: +load.toFixed(1) }
    process.stdout.write(JSON.stringify(row) + '\n')
  }
  await rm(dir, { recursive: true, force: true })
}

/**
 * A loopback HTTP proxy for tests: forwards to a real service, records the
 * Range header of every request, and can cut a response after N body bytes
 * (connection dropped) or end it early as if complete (truncated).
 */
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TestProxy {
  url: string
  /** every GET: its path and Range header */
  gets: Array<{ path: string, range?: string }>
  /** drop the connection of the next response after this many body bytes */
  cutNextAfter: (n: number) => void
  /** end the next response cleanly after this many bytes, without Content-Length */
  truncateNextAt: (n: number) => void
  close: () => Promise<void>
}

export async function startProxy (target: string): Promise<TestProxy> {
  const t = new URL(target)
  const gets: Array<{ path: string, range?: string }> = []
  let cut: number | undefined
  let truncate: number | undefined
  const server = createServer((req, res) => {
    if (req.method === 'GET') gets.push({ path: req.url ?? '', range: req.headers.range })
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, upRes => {
      const isData = req.method === 'GET' && (upRes.headers['content-type'] ?? '').startsWith('application/octet-stream')
      const cutAt = isData ? cut : undefined
      const truncAt = isData ? truncate : undefined
      if (cutAt != null || truncAt != null) { cut = undefined; truncate = undefined }
      const headers = { ...upRes.headers }
      if (truncAt != null) delete headers['content-length']
      res.writeHead(upRes.statusCode ?? 502, headers)
      let sent = 0
      upRes.on('data', (chunk: Buffer) => {
        const limit = cutAt ?? truncAt
        if (limit == null) { res.write(chunk); return }
        if (sent >= limit) return
        const part = chunk.subarray(0, limit - sent)
        sent += part.length
        res.write(part)
        if (sent >= limit) {
          upRes.destroy()
          // let the client read what was sent before the connection drops
          if (cutAt != null) setTimeout(() => { res.socket?.destroy() }, 300)
          else res.end()
        }
      })
      upRes.on('end', () => { res.end() })
    })
    up.on('error', () => { res.destroy() })
    req.pipe(up)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gets,
    cutNextAfter: n => { cut = n },
    truncateNextAt: n => { truncate = n },
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => { resolve() })) }
  }
}

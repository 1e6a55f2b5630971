/**
 * Checks listen addresses before libp2p binds them, so a port in use or a
 * privileged port is one clear line instead of libp2p's transport-manager
 * error (which drops the socket's error code).
 */
import { createServer } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError, ListenError, errorCode, errorMessage } from '../errors.js'

/** host and port of a /ip4|ip6/…/tcp/… multiaddr */
export function tcpHostPort (addr: string): { host: string, port: number } {
  let parts
  try {
    parts = multiaddr(addr).getComponents()
  } catch (err) {
    throw new ConfigError(`--listen ${addr} is not a multiaddr (${errorMessage(err)}); example: /ip4/0.0.0.0/tcp/4002`)
  }
  const ip = parts[0]
  const tcp = parts[1]
  if (ip == null || !['ip4', 'ip6'].includes(ip.name) || tcp?.name !== 'tcp' || ip.value == null || tcp.value == null) {
    throw new ConfigError(`--listen ${addr}: expected /ip4/<address>/tcp/<port> or /ip6/<address>/tcp/<port>`)
  }
  return { host: ip.value, port: Number(tcp.value) }
}

/** Binds and releases each address once; throws a ListenError naming the address and what to do */
export async function checkListen (addrs: string[]): Promise<void> {
  for (const addr of addrs) {
    const { host, port } = tcpHostPort(addr)
    if (port === 0) continue
    await new Promise<void>((resolve, reject) => {
      const srv = createServer()
      srv.once('error', (err: unknown) => { reject(explainListen(addr, host, port, err)) })
      srv.listen({ host, port, exclusive: true }, () => { srv.close(() => { resolve() }) })
    })
  }
}

export function explainListen (addr: string, host: string, port: number, err: unknown): Error {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return new ListenError(`cannot listen on ${addr}: port ${port} is already in use on ${host} (another precache, or another service): stop it or choose another port with --listen`)
    case 'EACCES':
      return new ListenError(`cannot listen on ${addr}: port ${port} needs root or CAP_NET_BIND_SERVICE; use a port above 1023`)
    case 'EADDRNOTAVAIL':
      return new ListenError(`cannot listen on ${addr}: ${host} is not an address of this host; use one it has, or 0.0.0.0 / :: (and --announce for what others should dial)`)
    default:
      return new ListenError(`cannot listen on ${addr}: ${errorCode(err)}`)
  }
}

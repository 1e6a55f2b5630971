/** `GET /metrics` on `[DEFAULT] metrics_listen` (off by default) */
import type { Logger } from '../log.js'
import { describeAddress, parseHttpAddress, sendJson, startHttpServer } from './http.js'
import type { LocalServer } from './http.js'
import type { Metrics } from './metrics.js'

export async function startMetricsServer (listen: string | undefined, metrics: Metrics, log: Logger): Promise<LocalServer | undefined> {
  if (listen == null || listen === '') return undefined
  const address = parseHttpAddress(listen, 'metrics_listen')
  const server = await startHttpServer(address, 'metrics_listen', async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') { sendJson(res, 405, { error: 'only GET' }); return }
    if (path !== '/metrics') { sendJson(res, 404, { error: 'not found: try /metrics' }); return }
    const body = await metrics.registry.metrics()
    res.writeHead(200, { 'content-type': metrics.registry.contentType })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  log(`metrics on http://${describeAddress(server.address)}/metrics`)
  return server
}

/**
 * Glance's notifications (oslo.messaging over RabbitMQ, `[glance]
 * notifications_url`): the seeder lists again as soon as an image is
 * created, updated (tags and properties arrive as image.update), deleted or
 * activated, instead of at its next `interval`.
 *
 * We read from our own exclusive, auto-deleted queue bound to Glance's topic
 * exchange (`glance`) with the routing key `<topic>.info` — never from the
 * shared `notifications.info` queue other consumers (Ceilometer) read. Events
 * sent while we were disconnected are lost with that queue, so every
 * reconnection is followed by a listing (`onReconnect`).
 */
import amqp from 'amqplib'
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib'
import type { Logger } from '../log.js'
import { errorCode, errorMessage } from '../errors.js'

/** Events that can change what the lister selects */
export const WATCHED_EVENTS = new Set(['image.create', 'image.update', 'image.delete', 'image.activate', 'image.upload'])
/** Largest notification read (Glance's payload is one image record) */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024
/** @default 1000 */
export const DEFAULT_RETRY_MIN = 1000
/** @default 30000 */
export const DEFAULT_RETRY_MAX = 30_000
/**
 * Time allowed to connect to RabbitMQ (ms)
 *
 * @default 10000
 */
export const DEFAULT_CONNECT_TIMEOUT = 10_000
/**
 * Notifications queued for the seeder at most (RabbitMQ drops the oldest
 * beyond it; any one of them only triggers a listing)
 *
 * @default 10000
 */
export const MAX_QUEUED_NOTIFICATIONS = 10_000

export interface GlanceEvent { eventType: string, imageId?: string }

/**
 * Decodes one AMQP body: messagingv2's envelope `{"oslo.version","oslo.message": "<JSON>"}`
 * (parsed twice) or a bare v1 message. Returns undefined for anything else.
 */
export function parseNotification (body: Uint8Array): GlanceEvent | undefined {
  if (body.length > MAX_NOTIFICATION_BYTES) return undefined
  try {
    let msg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
    if (typeof msg?.['oslo.message'] === 'string') {
      if (msg['oslo.message'].length > MAX_NOTIFICATION_BYTES) return undefined
      msg = JSON.parse(msg['oslo.message'])
    }
    if (msg == null || typeof msg !== 'object' || typeof msg.event_type !== 'string' || msg.event_type.length > 100) return undefined
    const id = msg.payload?.id
    return { eventType: msg.event_type, ...(typeof id === 'string' && id.length <= 255 ? { imageId: id } : {}) }
  } catch {
    return undefined
  }
}

/** The URL without its password, for logs */
export function redactUrl (url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
}

export interface GlanceNotificationsInit {
  url: string
  /** @default 'glance' */
  exchange?: string
  /** @default 'notifications' */
  topic?: string
  /** a watched event arrived */
  onEvent: (e: GlanceEvent) => void
  /** connected again after a loss: events may have been missed */
  onReconnect: () => void
}

export interface GlanceNotifications {
  /** listening now (for the status file) */
  connected: () => boolean
  stop: () => Promise<void>
}

export function startGlanceNotifications (components: { log: Logger }, init: GlanceNotificationsInit): GlanceNotifications {
  const { log } = components
  const exchange = init.exchange ?? 'glance'
  const routingKey = `${init.topic ?? 'notifications'}.info`
  const where = redactUrl(init.url)
  let model: ChannelModel | undefined
  let stopped = false
  let retry = DEFAULT_RETRY_MIN
  let timer: NodeJS.Timeout | undefined
  let everConnected = false
  let warned = false

  const onMessage = (msg: ConsumeMessage | null): void => {
    if (msg == null) return
    const e = parseNotification(msg.content)
    if (e == null || !WATCHED_EVENTS.has(e.eventType)) return
    log.debug(`glance ${e.eventType}`, { image: e.imageId })
    init.onEvent(e)
  }

  /** Glance declares its exchange when it first sends; declare it ourselves (like oslo: topic, not durable) if it is not there yet */
  const exchangeOn = async (m: ChannelModel): Promise<Channel> => {
    const probe = await m.createChannel()
    probe.on('error', () => {})
    try {
      await probe.checkExchange(exchange)
      return probe
    } catch {
      const ch = await m.createChannel()
      await ch.assertExchange(exchange, 'topic', { durable: false })
      return ch
    }
  }

  const connect = async (): Promise<void> => {
    timer = undefined
    if (stopped) return
    try {
      // oslo writes rabbit://; the AMQP URL is the same with amqp://
      const m = await amqp.connect(init.url.replace(/^rabbit:/, 'amqp:'), { timeout: DEFAULT_CONNECT_TIMEOUT })
      model = m
      m.on('error', () => {})
      m.on('close', () => {
        model = undefined
        if (stopped) return
        log.warn(`lost the Glance notification connection to ${where}: reconnecting (listing at every interval meanwhile)`)
        schedule()
      })
      const ch = await exchangeOn(m)
      ch.on('error', (err: unknown) => { log.warn(`Glance notification channel: ${errorMessage(err)}`) })
      const q = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-max-length': MAX_QUEUED_NOTIFICATIONS } })
      await ch.bindQueue(q.queue, exchange, routingKey)
      await ch.consume(q.queue, onMessage, { noAck: true })
      retry = DEFAULT_RETRY_MIN
      warned = false
      log(`listening for Glance notifications on ${where} (exchange ${exchange}, routing key ${routingKey})`)
      if (everConnected) init.onReconnect()
      everConnected = true
    } catch (err) {
      await model?.close().catch(() => {})
      model = undefined
      if (stopped) return
      const line = `cannot listen for Glance notifications on ${where}: ${errorCode(err)} (retrying; images are still listed every interval)`
      if (!warned) log.warn(line)
      else log.debug(line)
      warned = true
      schedule()
    }
  }
  const schedule = (): void => {
    if (stopped || timer != null) return
    timer = setTimeout(() => { void connect() }, retry)
    retry = Math.min(DEFAULT_RETRY_MAX, retry * 2)
  }
  void connect()

  return {
    connected: () => model != null && everConnected,
    async stop () {
      stopped = true
      if (timer != null) clearTimeout(timer)
      await model?.close().catch(() => {})
    }
  }
}

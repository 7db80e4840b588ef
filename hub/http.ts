/**
 * The hub's read-only web side, started by `hub serve` when hub.yaml has `http`:
 *   GET /             the status page (HTML)
 *   GET /metrics      Prometheus text
 *   GET /status.json  the status as `roost hub status --json` prints it
 * Anything else is 404; any method but GET and HEAD is 405. The state is gathered afresh for
 * each request (books and state files; the store is never rehashed). Outside loopback a token
 * is required (`tokenFile`, 0600): `Authorization: Bearer TOKEN`, or basic auth with the token
 * as the password; compared in constant time. Requests are logged without their headers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual, createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { isIP } from 'node:net'
import type { Logger } from '../lib/log.js'
import { RoostError } from '../lib/errors.js'
import type { HubHttp } from '../lib/config/hub.js'
import type { HubState } from './status.js'
import { renderStatusPage } from './status-page.js'
import { renderMetrics, type HubCounters } from './metrics.js'

export interface HttpSide {
  host: string
  port: number
  close(): Promise<void>
}

/** True for 127.0.0.0/8, ::1 and localhost. Pure. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/** Reads the token file: it must exist, be 0600 (no group or other bits) and hold a token of 16+ characters. */
export async function readToken(path: string): Promise<string> {
  const st = await fs.stat(path).catch(() => undefined)
  if (!st?.isFile()) throw new RoostError('CONFIG_INVALID', `http.tokenFile ${path} does not exist`, { hint: 'write a long random token into it: head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE' })
  if (st.mode & 0o077) throw new RoostError('KEY_LOOSE_PERMISSIONS', `http.tokenFile ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)})`, { hint: `chmod 600 ${path}` })
  const token = (await fs.readFile(path, 'utf8')).trim()
  if (token.length < 16 || /\s/.test(token)) throw new RoostError('CONFIG_INVALID', `http.tokenFile ${path} must hold one token of at least 16 characters`)
  return token
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/** Whether the request carries the token (Bearer, or basic auth with it as the password). Pure. */
export function authorized(header: string | undefined, token: string): boolean {
  if (!header) return false
  let given: string | undefined
  const m = /^(Bearer|Basic)\s+(\S+)$/i.exec(header.trim())
  if (m?.[1]?.toLowerCase() === 'bearer') given = m[2]
  else if (m) {
    const decoded = Buffer.from(m[2]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    given = colon >= 0 ? decoded.slice(colon + 1) : undefined
  }
  return given !== undefined && timingSafeEqual(digest(given), digest(token))
}

export async function startHttp(o: { config: HubHttp; token: string | undefined; state: () => Promise<HubState>; counters: HubCounters; log: Logger }): Promise<HttpSide> {
  const { host, port } = o.config
  if (!isLoopback(host) && !o.token) {
    throw new RoostError('CONFIG_INVALID', `http.host ${host} is not loopback: the status page and metrics need http.tokenFile there`, { hint: 'set http.tokenFile, or keep http.host 127.0.0.1 and put a reverse proxy in front' })
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]
    const send = (code: number, type: string, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", ...extra })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' })
    if (o.token && !authorized(req.headers.authorization, o.token)) return send(401, 'text/plain; charset=utf-8', 'a token is required\n', { 'www-authenticate': 'Basic realm="roost hub", charset="UTF-8"' })
    if (path === '/') return send(200, 'text/html; charset=utf-8', renderStatusPage(await o.state()))
    if (path === '/metrics') return send(200, 'text/plain; version=0.0.4; charset=utf-8', renderMetrics(await o.state(), o.counters))
    if (path === '/status.json') return send(200, 'application/json', JSON.stringify(await o.state(), null, 2) + '\n')
    return send(404, 'text/plain; charset=utf-8', 'not found\n')
  }
  const server: Server = createServer((req, res) => {
    const t0 = Date.now()
    handle(req, res)
      .catch((err: unknown) => {
        o.log.error({ err: (err as Error).message, path: req.url }, 'http: request failed')
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        res.end('internal error\n')
      })
      .finally(() => o.log.debug({ method: req.method, path: (req.url ?? '').split('?')[0], status: res.statusCode, ms: Date.now() - t0 }, 'http'))
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.maxHeadersCount = 50
  await new Promise<void>((resolve, reject) => {
    server.once('error', err => reject(new RoostError('LISTEN_FAILED', `cannot listen on http ${host}:${port}: ${err.message}`, { cause: err })))
    server.listen(port, host, () => resolve())
  })
  const addr = server.address()
  const bound = typeof addr === 'object' && addr ? addr.port : port
  o.log.info({ host, port: bound }, 'status page and metrics serving')
  return {
    host,
    port: bound,
    close: () => new Promise<void>(r => {
      server.close(() => r())
      server.closeAllConnections()
    }),
  }
}

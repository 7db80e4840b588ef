/**
 * Delivering alerts by the channels hub.yaml names: a command (argv, no shell; ROOST_ALERT_*
 * in a minimal environment, the alert as JSON on stdin), a webhook (POST of the same JSON), and
 * mail (SMTP). An event counts as sent only when every channel took it; otherwise it is tried
 * again at the next check. Secrets (the SMTP password) are read from files, never logged.
 */
import { promises as fs } from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { HubAlerts } from '../lib/config/hub.js'
import { run } from '../lib/proc/run.js'
import { sendMail } from '../lib/mail.js'
import type { AlertEvent } from './alerts.js'

export interface AlertPayload {
  state: AlertEvent['state']
  key: string
  kind: string
  service: string | null
  message: string
  since: string
  at: string
  hub: string
}

export function payloadOf(e: AlertEvent, now: Date): AlertPayload {
  return { state: e.state, key: e.alert.key, kind: e.alert.kind, service: e.alert.service ?? null, message: e.alert.message, since: e.alert.since, at: now.toISOString(), hub: hostname() }
}

/** `[roost] FIRING late wiki: …` — the subject of a mail, and a line for logs. Pure. */
export function subjectOf(p: AlertPayload): string {
  const first = p.message.split('\n')[0]!.slice(0, 160)
  return `[roost] ${p.state.toUpperCase()} ${p.kind}${p.service ? ` ${p.service}` : ''}: ${first}`
}

async function viaCommand(argv: readonly string[], p: AlertPayload): Promise<void> {
  await run(argv, {
    input: JSON.stringify(p) + '\n',
    env: { ROOST_ALERT_STATE: p.state, ROOST_ALERT_KEY: p.key, ROOST_ALERT_KIND: p.kind, ROOST_ALERT_SERVICE: p.service ?? '', ROOST_ALERT_MESSAGE: p.message, ROOST_ALERT_SINCE: p.since },
    timeout: 60_000,
    what: `alert command ${argv[0]}`,
  })
}

async function viaWebhook(w: NonNullable<HubAlerts['webhook']>, p: AlertPayload): Promise<void> {
  const r = await fetch(w.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p), signal: AbortSignal.timeout(w.timeout) })
  await r.arrayBuffer().catch(() => undefined)
  if (!r.ok) throw new Error(`webhook answered ${r.status}`)
}

async function viaMail(m: NonNullable<HubAlerts['mail']>, root: string, p: AlertPayload): Promise<void> {
  const password = m.passwordFile ? (await fs.readFile(resolve(root, m.passwordFile), 'utf8')).trim() : undefined
  const text = [`${p.state.toUpperCase()}: ${p.message}`, '', `kind: ${p.kind}`, `service: ${p.service ?? '-'}`, `since: ${p.since}`, `at: ${p.at}`, `hub: ${p.hub}`, '', 'roost hub status shows the whole picture.'].join('\n')
  await sendMail({ host: m.host, port: m.port, secure: m.secure, ...(m.user ? { user: m.user } : {}), ...(password !== undefined ? { password } : {}) }, { from: m.from, to: m.to, subject: subjectOf(p), text })
}

/** Sends one event by every configured channel; true when all took it. Failures are logged. */
export async function deliver(cfg: HubAlerts, root: string, e: AlertEvent, now: Date, log: Logger): Promise<boolean> {
  const p = payloadOf(e, now)
  const channels: Array<[string, () => Promise<void>]> = []
  if (cfg.command) channels.push(['command', () => viaCommand(cfg.command!, p)])
  if (cfg.webhook) channels.push(['webhook', () => viaWebhook(cfg.webhook!, p)])
  if (cfg.mail) channels.push(['mail', () => viaMail(cfg.mail!, root, p)])
  let ok = true
  for (const [name, send] of channels) {
    try {
      await send()
    } catch (err) {
      ok = false
      log.error({ channel: name, alert: p.key, state: p.state, err: (err as Error).message }, 'alert could not be sent; trying again at the next check')
    }
  }
  const level = p.state === 'resolved' ? 'info' : 'warn'
  log[level]({ alert: p.key, state: p.state, channels: channels.map(c => c[0]), sent: ok }, subjectOf(p))
  return ok
}

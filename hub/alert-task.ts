/**
 * The alert check `hub serve` runs every `alerts.every` (hub/maintenance.ts): gathers the
 * hub's state and each service's recent sizes (stored bytes from the books, the tar's size
 * from each manifest, for the canary), works out what holds, sends what is due, and keeps the
 * open alerts in state/alerts.json (written atomically after the sends).
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { HubConfig, HubPaths } from '../lib/config/hub.js'
import { readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { parseManifest } from '../lib/formats/manifest.js'
import { MANIFEST } from '../lib/layout.js'
import { gatherHubState } from './status.js'
import { readServiceBooks, recordBytes } from './books.js'
import { applyAlerts, conditions, planAlerts, type AlertBook, type CanarySample } from './alerts.js'
import { deliver } from './alert-send.js'

/** Generations per service the canary compares. */
const CANARY_WINDOW = 12

export function alertsFile(paths: HubPaths): string {
  return join(paths.state, 'alerts.json')
}

export async function readAlertBook(paths: HubPaths, log: Logger): Promise<AlertBook> {
  const text = await readIfExists(alertsFile(paths))
  if (!text) return { open: {} }
  try {
    const b = JSON.parse(text) as AlertBook
    if (b && typeof b.open === 'object' && b.open) return b
  } catch {
    // fall through
  }
  log.warn({ file: alertsFile(paths) }, 'state/alerts.json is unreadable; starting with no open alerts')
  return { open: {} }
}

async function canarySamples(paths: HubPaths, service: string): Promise<CanarySample[]> {
  const records = (await readServiceBooks(paths, service)).slice(-CANARY_WINDOW)
  const out: CanarySample[] = []
  for (const r of records) {
    const text = await fs.readFile(join(paths.store, service, r.generation, MANIFEST), 'utf8').catch(() => undefined)
    if (!text) continue
    try {
      out.push({ generation: r.generation, kind: r.kind, stored: recordBytes(r) - (r.files[MANIFEST]?.bytes ?? 0), tar: parseManifest(text).counts.bytes })
    } catch {
      // a manifest that does not parse is the store check's business
    }
  }
  return out
}

/** Alert books this process could not write (a full disk), by file: newer than what the file holds. */
const unsaved = new Map<string, AlertBook>()

/** One check: returns the events it tried and whether each was sent. */
export async function checkAlerts(o: { config: HubConfig; paths: HubPaths; now: Date; log: Logger }): Promise<Array<{ key: string; state: string; sent: boolean }>> {
  const cfg = o.config.alerts
  if (!cfg) return []
  const state = await gatherHubState(o.paths, o.config, o.now)
  const canaries: Record<string, CanarySample[]> = {}
  for (const s of state.services) canaries[s.name] = await canarySamples(o.paths, s.name)
  const file = alertsFile(o.paths)
  const book = unsaved.get(file) ?? (await readAlertBook(o.paths, o.log))
  const seen = Object.fromEntries(state.services.map(s => [s.name, book.seen?.[s.name] ?? o.now.toISOString()]))
  const current = conditions(state, cfg, canaries, seen)
  const events = planAlerts(book, current, o.now, cfg.remind)
  const results = []
  for (const e of events) results.push({ ...e, sent: await deliver(cfg, o.paths.root, e, o.now, o.log) })
  const next = applyAlerts(book, current, results, o.now, seen)
  try {
    await writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n', 0o600)
    unsaved.delete(file)
  } catch (err) {
    // a full disk (the very thing the `disk` alert reports): keep the book in memory, so the
    // alert is not sent again at every check and its resolve still comes once there is room
    unsaved.set(file, next)
    o.log.error({ err, file }, 'cannot write state/alerts.json; the open alerts are kept in memory until it can')
  }
  return results.map(r => ({ key: r.alert.key, state: r.state, sent: r.sent }))
}

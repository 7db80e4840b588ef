/**
 * Alerts: which conditions hold now (pure, from the hub's state), and what to send given the
 * alerts already open (pure): an alert is sent once when it opens ("firing"), again every
 * `remind` while it holds ("reminder"), and once when it no longer holds ("resolved"). A send
 * that failed is tried again at the next check. The open alerts live in state/alerts.json.
 *
 * Kinds: late (no accepted generation within the service's cadence, or none ever), rejected
 * (an arrival was rejected and nothing was accepted since), chain (the hub asks for a full
 * because a chain broke), verify (the last store check or restore drill failed), retention
 * (a burst of arrivals held retention), disk (free space below `diskFree`), mirror-lag, and
 * canary (the newest generation's size or compressibility jumped: ransomware-encrypted data
 * stops compressing).
 */
import type { HubState } from './status.js'

export type AlertKind = 'late' | 'rejected' | 'chain' | 'verify' | 'retention' | 'disk' | 'mirror-lag' | 'canary'

export interface Condition {
  key: string
  kind: AlertKind
  service?: string
  message: string
}

export interface OpenAlert extends Condition {
  since: string
  /** When it was last sent (null: never, it is to be sent). */
  lastSent: string | null
  /** It no longer holds; the resolve message is still to be sent. */
  resolved?: string
}

export interface AlertBook {
  open: Record<string, OpenAlert>
  /** When the check first saw each service: one that never delivered is late only a cadence after. */
  seen?: Record<string, string>
}

export type AlertEventState = 'firing' | 'reminder' | 'resolved'

export interface AlertEvent {
  state: AlertEventState
  alert: OpenAlert
}

/** One generation as the canary sees it: its stored bytes and the size of the tar inside. */
export interface CanarySample {
  generation: string
  kind: string
  stored: number
  tar: number
}

export interface AlertThresholds {
  diskFree: number
  mirrorLag: number
  sizeJump: number
  compressJump: number
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * The canary's verdict on a service's newest generation against its earlier ones of the same
 * kind (at least 3 needed): a message, or undefined. Pure.
 */
export function canary(samples: readonly CanarySample[], t: Pick<AlertThresholds, 'sizeJump' | 'compressJump'>): string | undefined {
  const newest = samples[samples.length - 1]
  if (!newest) return undefined
  const earlier = samples.slice(0, -1).filter(s => s.kind === newest.kind && s.tar > 0)
  if (earlier.length < 3 || newest.tar <= 0) return undefined
  const size = median(earlier.map(s => s.stored))
  const ratio = median(earlier.map(s => s.stored / s.tar))
  const now = newest.stored / newest.tar
  if (now - ratio > t.compressJump) return `${newest.generation} compresses to ${(now * 100).toFixed(0)}% of its tar, its earlier ${newest.kind}s to ${(ratio * 100).toFixed(0)}%: its data may have been encrypted by malware`
  if (size > 0 && (newest.stored > size * t.sizeJump || newest.stored * t.sizeJump < size)) return `${newest.generation} stores ${newest.stored} bytes, ${(newest.stored / size).toFixed(1)}× the median of its earlier ${newest.kind}s (${Math.round(size)})`
  return undefined
}

/**
 * The conditions that hold in this state. A service that never delivered counts as late once
 * its cadence has passed since `seen` (when the check first saw it; now when unknown). Pure.
 */
export function conditions(s: HubState, t: AlertThresholds, canaries: Readonly<Record<string, readonly CanarySample[]>> = {}, seen: Readonly<Record<string, string>> = {}): Condition[] {
  const out: Condition[] = []
  const now = Date.parse(s.now)
  for (const v of s.services) {
    const svc = v.name
    const waiting = now - Date.parse(seen[svc] ?? s.now)
    if (!v.last && waiting > v.everyMs) out.push({ key: `late:${svc}`, kind: 'late', service: svc, message: `${svc} has not delivered a generation since it was added (expected every ${Math.round(v.everyMs / 1000)} s)` })
    else if (v.last && v.late) out.push({ key: `late:${svc}`, kind: 'late', service: svc, message: `${svc} is late: its newest generation ${v.last.generation} was accepted ${Math.round(v.last.ageMs / 1000)} s ago, expected every ${Math.round(v.everyMs / 1000)} s` })
    if (v.lastReject && (!v.last || v.lastReject.at > v.last.accepted)) out.push({ key: `rejected:${svc}`, kind: 'rejected', service: svc, message: `${svc}: an arrival was rejected (${v.lastReject.code} at ${v.lastReject.at}: ${v.lastReject.message})` })
    if (v.wantFull === 'missing-base' || v.wantFull === 'mismatch') out.push({ key: `chain:${svc}`, kind: 'chain', service: svc, message: `${svc}: its chain is broken (${v.wantFull}); the hub asks its spoke for a full` })
    if (v.verify && !v.verify.ok) out.push({ key: `verify:${svc}`, kind: 'verify', service: svc, message: `${svc}: the ${v.verify.mode} of ${v.verify.generation ?? 'its store'} failed: ${(v.verify.first ?? '').split('\n')[0]}` })
    if (v.alerts.length) out.push({ key: `retention:${svc}`, kind: 'retention', service: svc, message: `${svc}: ${v.alerts.join('; ')}` })
    const c = canary(canaries[svc] ?? [], t)
    if (c) out.push({ key: `canary:${svc}`, kind: 'canary', service: svc, message: `${svc}: ${c}` })
  }
  if (s.store.freeBytes < t.diskFree) out.push({ key: 'disk', kind: 'disk', message: `the store's disk (${s.store.path}) has ${s.store.freeBytes} bytes free, less than ${t.diskFree}` })
  for (const m of s.mirrors) {
    const who = m.path.join(' → ')
    if (m.lagMs !== null && m.lagMs > t.mirrorLag) out.push({ key: `mirror-lag:${who}`, kind: 'mirror-lag', message: `mirror ${who} is ${Math.round(m.lagMs / 1000)} s behind (serial ${m.serial})` })
    else if (m.behind) out.push({ key: `mirror-lag:${who}`, kind: 'mirror-lag', message: m.lastContact ? `mirror ${who} has not reported since ${m.lastContact} (serial ${m.serial})` : `mirror ${who}: ${m.note}` })
  }
  return out
}

/**
 * What to send now, and the book once it is sent: new conditions fire, open ones due a
 * reminder remind, ones that no longer hold resolve (an alert never sent resolves silently).
 * Pure.
 */
export function planAlerts(book: AlertBook, current: readonly Condition[], now: Date, remindMs: number): AlertEvent[] {
  const events: AlertEvent[] = []
  const at = now.toISOString()
  const holds = new Map(current.map(c => [c.key, c]))
  for (const c of current) {
    const open = book.open[c.key]
    if (!open || open.resolved) events.push({ state: 'firing', alert: { ...c, since: open && !open.resolved ? open.since : at, lastSent: null } })
    else if (open.lastSent === null) events.push({ state: 'firing', alert: { ...open, message: c.message } })
    else if (now.getTime() - Date.parse(open.lastSent) >= remindMs) events.push({ state: 'reminder', alert: { ...open, message: c.message } })
  }
  for (const open of Object.values(book.open)) {
    if (holds.has(open.key)) continue
    if (open.lastSent === null && !open.resolved) continue // never told anyone: nothing to resolve
    events.push({ state: 'resolved', alert: { ...open, resolved: open.resolved ?? at } })
  }
  return events
}

/** The book after the events: sent ones recorded, failed ones left to be tried again. Pure. */
export function applyAlerts(book: AlertBook, current: readonly Condition[], events: ReadonlyArray<AlertEvent & { sent: boolean }>, now: Date, seen: Readonly<Record<string, string>> = book.seen ?? {}): AlertBook {
  const at = now.toISOString()
  const open: Record<string, OpenAlert> = {}
  const holds = new Map(current.map(c => [c.key, c]))
  for (const [key, a] of Object.entries(book.open)) if (holds.has(key) && !a.resolved) open[key] = { ...a, message: holds.get(key)!.message }
  for (const e of events) {
    const key = e.alert.key
    if (e.state === 'resolved') {
      if (!e.sent) open[key] = e.alert
      else delete open[key]
    } else {
      open[key] = { ...e.alert, lastSent: e.sent ? at : e.alert.lastSent === null ? null : e.alert.lastSent }
    }
  }
  // conditions that hold but produced no event (reminder not due) stay as they were
  return { open, seen: { ...seen } }
}

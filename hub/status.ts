/**
 * `roost hub status`: every service (last generation, its age against the expected cadence,
 * stored bytes, generation count, pinned count, rejects and the last reject's reason, whether
 * the hub wants a full and why, retention alerts such as a burst, its newest store check),
 * every mirror, the index serial, the store's free space and the verification schedule.
 * Reads the books, the service state, status.json, rejected/, TREE.json and state/verify.json;
 * never rehashes the store. `describeStatus` is pure; `hubStatus` gathers.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Output } from '../lib/cli.js'
import { HubAlertsSchema, type HubConfig, type HubPaths } from '../lib/config/hub.js'
import { formatBytes, formatDuration } from '../lib/config/units.js'
import { parseTree, TREE_FILE } from '../lib/formats/tree.js'
import type { GenerationRecord } from '../lib/formats/tree.js'
import { readIfExists } from '../lib/fsx/atomic.js'
import { readServiceBooks, recordBytes, totalBytes } from './books.js'
import { readServiceStatus } from './service-status.js'
import { gatherPlan } from './retention/prune.js'
import { lastRunStart, readVerifyState, type ServiceCheck, type VerifyState } from './verify-record.js'
import { nextDue } from './schedule.js'
import { gatherMirrors, type MirrorState } from './mirror-traces.js'

export type { MirrorState }

export interface RejectSummary {
  folder: string
  code: string
  message: string
  at: string
}

export interface ServiceState {
  name: string
  last: { generation: string; accepted: string; ageMs: number } | null
  /** Expected cadence in milliseconds. */
  everyMs: number
  /** The last generation is older than the cadence. */
  late: boolean
  storedBytes: number
  generations: number
  rejects: number
  lastReject: RejectSummary | null
  /** Pinned generations. */
  pinned: number
  /** status.json asks for a full: why ('reset', 'missing-base', …; 'unknown' from an older file); null when it does not. */
  wantFull: string | null
  /** Retention alerts (a burst of arrivals), as messages. */
  alerts: string[]
  /** The newest check of its stored copy (`hub verify`, by hand or scheduled), or null when none was recorded. */
  verify: ServiceCheck | null
  /** The newest generations (up to RECENT), oldest first, with their stored sizes: the size trend. */
  recent: Array<{ generation: string; kind: string; accepted: string; bytes: number }>
}

/** How many of a service's newest generations its status shows for the size trend. */
export const RECENT = 10

/** What the retention side says about a service. */
export interface RetentionState {
  pinned: number
  wantFull: string | null
  alerts: string[]
}


/** The scheduled store verification and the last complete runs (state/verify.json). */
export interface VerifySummary {
  /** hub.yaml's `verify`, or null when `hub serve` does not verify on its own. */
  schedule: { everyMs: number; restoreTest: boolean; nextDue: string } | null
  last: VerifyState['last']
}

export interface HubState {
  now: string
  services: ServiceState[]
  mirrors: MirrorState[]
  index: { serial: number; published: string } | null
  store: { path: string; freeBytes: number; totalBytes: number }
  verify: VerifySummary
}

/** The schedule and when it is next due. Pure. */
export function verifySummary(schedule: HubConfig['verify'], state: VerifyState, now: Date): VerifySummary {
  if (!schedule) return { schedule: null, last: state.last }
  const last = lastRunStart(state, schedule.restoreTest ? 'restore-test' : 'rehash')
  return { schedule: { everyMs: schedule.every, restoreTest: schedule.restoreTest, nextDue: nextDue(last, schedule.every, now).toISOString() }, last: state.last }
}

/** One service's row. Pure. */
export function serviceState(name: string, everyMs: number, records: readonly GenerationRecord[], rejects: readonly RejectSummary[], now: Date, retention: RetentionState = { pinned: 0, wantFull: null, alerts: [] }, verify: ServiceCheck | null = null): ServiceState {
  const newest = records[records.length - 1]
  const ageMs = newest ? now.getTime() - Date.parse(newest.accepted) : 0
  const lastReject = [...rejects].sort((a, b) => a.at.localeCompare(b.at)).pop() ?? null
  return {
    name,
    last: newest ? { generation: newest.generation, accepted: newest.accepted, ageMs } : null,
    everyMs,
    late: newest ? ageMs > everyMs : false,
    storedBytes: totalBytes(records),
    generations: records.length,
    rejects: rejects.length,
    lastReject,
    pinned: retention.pinned,
    wantFull: retention.wantFull,
    alerts: retention.alerts,
    verify,
    recent: records.slice(-RECENT).map(r => ({ generation: r.generation, kind: r.kind, accepted: r.accepted, bytes: recordBytes(r) })),
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)))
  return rows.map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n')
}

/** The text a person reads. Pure. */
export function describeStatus(s: HubState): string {
  const out: string[] = []
  const svc = [['SERVICE', 'LAST GENERATION', 'AGE', 'EVERY', 'LATE', 'STORED', 'GENS', 'PINNED', 'REJECTS', 'LAST REJECT']]
  for (const r of s.services) {
    svc.push([
      r.name,
      r.last?.generation ?? 'none yet',
      r.last ? formatDuration(r.last.ageMs) : '-',
      formatDuration(r.everyMs),
      r.late ? 'LATE' : 'no',
      formatBytes(r.storedBytes),
      String(r.generations),
      String(r.pinned),
      String(r.rejects),
      r.lastReject ? `${r.lastReject.code} at ${r.lastReject.at}: ${r.lastReject.message}` : '-',
    ])
  }
  out.push(s.services.length ? table(svc) : 'no services (add one with `roost hub add-service`)')
  for (const r of s.services) {
    if (r.wantFull) out.push(`${r.name}: the hub wants a full (${r.wantFull})`)
    for (const a of r.alerts) out.push(`${r.name}: ALERT ${a}`)
    if (r.verify && !r.verify.ok) out.push(`${r.name}: VERIFY FAILED ${describeCheck(r.verify)}`)
  }
  out.push(describeVerify(s.verify))
  out.push('')
  const mir = [['MIRROR', 'SERIAL', 'LAG', 'LAST CONTACT', 'BEHIND', 'NOTE']]
  for (const m of s.mirrors) {
    mir.push([m.path.join(' → '), m.serial === null ? '-' : String(m.serial), m.lagMs === null ? '-' : formatDuration(m.lagMs), m.lastContact ?? '-', m.behind ? 'BEHIND' : 'no', m.note || '-'])
  }
  out.push(s.mirrors.length ? table(mir) : 'no mirrors')
  out.push('')
  out.push(s.index ? `index: serial ${s.index.serial}, published ${s.index.published}` : 'index: not published yet')
  out.push(`store: ${s.store.path}: ${formatBytes(s.store.freeBytes)} free of ${formatBytes(s.store.totalBytes)}`)
  return out.join('\n') + '\n'
}

const MODE = { 'restore-test': 'restore test', rehash: 'rehash' } as const

/** `(restore test of G at T): the first difference (and N more) [CODE]`. Pure. */
function describeCheck(c: ServiceCheck): string {
  const more = c.problems > 1 ? ` (and ${c.problems - 1} more)` : ''
  return `(${MODE[c.mode]}${c.generation ? ` of ${c.generation}` : ''} at ${c.at}): ${(c.first ?? '').split('\n')[0]}${more}${c.code ? ` [${c.code}]` : ''}`
}

/** One line about the schedule and the last runs. Pure. */
export function describeVerify(v: VerifySummary): string {
  const runs = (['restore-test', 'rehash'] as const).flatMap(m => {
    const r = v.last[m]
    if (!r) return []
    const result = r.error ? `could not run: ${r.error.message.split('\n')[0]} [${r.error.code}]` : r.ok ? `${r.services} services OK` : `${r.failed} of ${r.services} services FAILED`
    return [`last ${MODE[m]} ${r.started} (${r.by}): ${result}`]
  })
  const schedule = v.schedule ? `${MODE[v.schedule.restoreTest ? 'restore-test' : 'rehash']} every ${formatDuration(v.schedule.everyMs)}, next due ${v.schedule.nextDue}` : 'not scheduled (hub.yaml: verify)'
  return `verify: ${[schedule, ...runs].join('; ')}`
}

async function readRejects(paths: HubPaths, service: string): Promise<RejectSummary[]> {
  const dir = join(paths.rejected, service)
  const out: RejectSummary[] = []
  for (const folder of await fs.readdir(dir).catch(() => [] as string[])) {
    const text = await readIfExists(join(dir, folder, 'reason.json')).catch(() => undefined)
    let r: Partial<RejectSummary> & { folder?: string } = {}
    try {
      r = text ? (JSON.parse(text) as typeof r) : {}
    } catch {
      r = {}
    }
    out.push({ folder: String(r.folder ?? folder), code: String(r.code ?? 'unknown'), message: String(r.message ?? 'no reason.json'), at: String(r.at ?? '') })
  }
  return out
}

async function readIndex(paths: HubPaths): Promise<HubState['index']> {
  const text = await readIfExists(join(paths.store, TREE_FILE))
  if (text === undefined) return null
  const tree = parseTree(text, join(paths.store, TREE_FILE))
  return { serial: tree.serial, published: tree.published }
}

async function retentionState(paths: HubPaths, config: HubConfig, service: string, now: Date): Promise<RetentionState> {
  const status = await readServiceStatus(paths, service)
  const wantFull = status?.wantFull ? (status.wantFullReason ?? 'unknown') : null
  try {
    const g = await gatherPlan(paths, config, service, now)
    return { pinned: Object.keys(g.state.pins).length, wantFull, alerts: g.plan.alerts.map(a => a.message) }
  } catch (err) {
    // one damaged state file must not hide every other service
    return { pinned: 0, wantFull, alerts: [`retention cannot be planned: ${(err as Error).message}`] }
  }
}

/** Gathers and renders the hub's status. */
export async function hubStatus(paths: HubPaths, config: HubConfig, now: Date): Promise<Output> {
  const state = await gatherHubState(paths, config, now)
  return { json: state, text: describeStatus(state) }
}

/** Gathers the hub's status from its books and state files (what `hub status`, the status page and /metrics show). */
export async function gatherHubState(paths: HubPaths, config: HubConfig, now: Date): Promise<HubState> {
  const services: ServiceState[] = []
  const checks = await readVerifyState(paths)
  for (const name of Object.keys(config.services).sort()) {
    const verify = Object.hasOwn(checks.services, name) ? checks.services[name]! : null
    services.push(serviceState(name, config.services[name]!.every, await readServiceBooks(paths, name), await readRejects(paths, name), now, await retentionState(paths, config, name, now), verify))
  }
  const index = await readIndex(paths)
  const mirrors = await gatherMirrors(paths, Object.keys(config.mirrors), index, now, config.alerts?.mirrorLag ?? HubAlertsSchema.parse({}).mirrorLag)
  const st = await fs.statfs(paths.store).catch(() => fs.statfs(paths.root))
  const state: HubState = {
    now: now.toISOString(),
    services,
    mirrors,
    index,
    store: { path: paths.store, freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize },
    verify: verifySummary(config.verify, checks, now),
  }
  return state
}

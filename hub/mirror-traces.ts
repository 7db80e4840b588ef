/**
 * Every mirror's freshness, from the traces mirrors write into `accounts/<mirror>/trace/`
 * (lib/formats/trace.ts) and the hub's record of when it published each serial
 * (`state/serials.jsonl`, written by hub/index/publish.ts). A mirror's lag is how long the
 * oldest index it does not hold has been published: 0 when it holds the newest. What
 * `hub status`, the status page, /metrics and the mirror-lag alert show.
 */
import { join } from 'node:path'
import type { HubPaths } from '../lib/config/hub.js'
import type { TraceEntry } from '../lib/formats/trace.js'
import { readTraceArea, type TraceRead } from '../lib/stores/trace-area.js'
import { traceDir } from '../lib/ssh/mirror-account.js'
import { appendLine, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'

export interface MirrorState {
  /** The mirror this row is about (the last hop of `path`). */
  name: string
  /** The hops from the hub: `[a]` for a direct mirror, `[a, b]` for b fed by a. */
  path: string[]
  serial: number | null
  /** How long the oldest index it lacks has been out; 0 when current; null when unknown. */
  lagMs: number | null
  /** When it last reported (the hub's clock for a direct mirror; a tier's own clock, from its trace, for the rest). */
  lastContact: string | null
  /** Further behind than the limit, or silent for longer than it. */
  behind: boolean
  /** Why a value is missing, or the mirror's last sync error. */
  note: string
}

/** One line of state/serials.jsonl. */
export interface SerialRecord {
  serial: number
  published: string
}

export const SERIALS_FILE = 'serials.jsonl'
/** The serial log keeps this many publishes (older ones only ever make a lag larger). */
export const SERIALS_KEPT = 100_000

/** Lag of a mirror holding `serial`. Pure. */
export function lagOf(serial: number | null, index: SerialRecord | null, log: readonly SerialRecord[], now: Date): number | null {
  if (serial === null || index === null) return null
  if (serial >= index.serial) return 0
  const next = log.find(r => r.serial > serial)
  const since = Date.parse(next && next.serial <= index.serial ? next.published : index.published)
  return Math.max(0, now.getTime() - since)
}

/**
 * Every mirror's row: registered ones first (in name order), then the tiers behind them.
 * `firstSeen` says since when the hub has known each registered mirror: one that has sent no
 * trace for longer than the limit is flagged as behind. Pure.
 */
export function mirrorStates(registered: readonly string[], reads: ReadonlyMap<string, TraceRead>, index: SerialRecord | null, log: readonly SerialRecord[], now: Date, limitMs: number, firstSeen: Readonly<Record<string, string>> = {}): MirrorState[] {
  const rows: MirrorState[] = []
  const row = (e: TraceEntry, contact: string | null): MirrorState => {
    const lagMs = lagOf(e.serial, index, log, now)
    const silent = contact !== null && now.getTime() - Date.parse(contact) > limitMs
    return {
      name: e.path[e.path.length - 1]!,
      path: e.path,
      serial: e.serial,
      lagMs,
      lastContact: contact,
      behind: (lagMs !== null && lagMs > limitMs) || silent,
      note: e.error ? `last sync failed: ${e.error}` : e.serial === null ? 'not synced yet' : silent ? 'silent' : '',
    }
  }
  const behindThem: MirrorState[] = []
  for (const name of [...registered].sort()) {
    const r = reads.get(name)
    const own = r?.entries.find(e => e.path.length === 1)
    if (!r || !own) {
      const since = firstSeen[name]
      const silent = since !== undefined && now.getTime() - Date.parse(since) > limitMs
      rows.push({ name, path: [name], serial: null, lagMs: null, lastContact: r?.contact?.toISOString() ?? null, behind: silent, note: r?.error ?? (silent ? `no trace since it was registered (${since})` : 'no trace yet') })
      continue
    }
    rows.push(row(own, r.contact?.toISOString() ?? own.checkedAt))
    for (const e of r.entries) if (e.path.length > 1) behindThem.push(row(e, e.checkedAt))
  }
  return [...rows, ...behindThem.sort((a, b) => a.path.join('/').localeCompare(b.path.join('/')))]
}

/** The serial log, oldest first (damaged lines are skipped). */
export async function readSerialLog(paths: HubPaths): Promise<SerialRecord[]> {
  const text = (await readIfExists(join(paths.state, SERIALS_FILE))) ?? ''
  const out: SerialRecord[] = []
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as SerialRecord
      if (Number.isInteger(r.serial) && typeof r.published === 'string' && !Number.isNaN(Date.parse(r.published))) out.push({ serial: r.serial, published: r.published })
    } catch {
      // a cut last line
    }
  }
  return out.sort((a, b) => a.serial - b.serial)
}

/** Records a publish (called by the index publisher). */
export async function recordSerial(paths: HubPaths, r: SerialRecord): Promise<void> {
  await appendLine(join(paths.state, SERIALS_FILE), JSON.stringify(r))
}

export const SEEN_FILE = 'mirrors-seen.json'

/** Since when the hub has known each registered mirror (state/mirrors-seen.json, updated when one is new). */
async function firstSeen(paths: HubPaths, registered: readonly string[], now: Date): Promise<Record<string, string>> {
  const file = join(paths.state, SEEN_FILE)
  let seen: Record<string, string> = {}
  try {
    const raw = JSON.parse((await readIfExists(file)) ?? '{}') as unknown
    if (raw && typeof raw === 'object') seen = Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'string' && !Number.isNaN(Date.parse(v))))
  } catch {
    // a damaged record starts again from now
  }
  const next = Object.fromEntries(registered.map(name => [name, seen[name] ?? now.toISOString()]))
  if (registered.some(name => seen[name] === undefined) || Object.keys(seen).length !== registered.length) {
    await writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n', 0o600).catch(() => {}) // a read-only state folder must not stop hub status
  }
  return next
}

/** Gathers every registered mirror's trace and computes the rows. */
export async function gatherMirrors(paths: HubPaths, registered: readonly string[], index: SerialRecord | null, now: Date, limitMs: number): Promise<MirrorState[]> {
  const reads = new Map<string, TraceRead>()
  for (const name of registered) {
    const r = await readTraceArea(traceDir(paths.accounts, name), name)
    if (r) reads.set(name, r)
  }
  return mirrorStates(registered, reads, index, await readSerialLog(paths), now, limitMs, await firstSeen(paths, registered, now))
}

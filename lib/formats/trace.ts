/**
 * TRACE.json, format `roost-trace/1`: what a mirror tells its upstream after each sync (the
 * Debian mirror network's trace files, one per mirror). A mirror writes it into the write-only
 * trace area of its account upstream; a mirror that serves others forwards their traces with
 * its own, each path prefixed with its own name, so the hub sees every tier and the hops to
 * it. A trace is a claim, not proof: it shows freshness, the tree's signatures carry the trust.
 * Pure.
 */
import { z } from 'zod'
import { NAME_RE } from './names.js'
import { RoostError } from '../errors.js'

export const TRACE_FORMAT = 'roost-trace/1'
export const TRACE_FILE = 'TRACE.json'
/** The largest trace the hub reads (and rsync may write: --max-size). */
export const TRACE_MAX_BYTES = 64 * 1024
/** At most this many entries (a mirror and the tiers behind it). */
export const TRACE_MAX_ENTRIES = 256

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)

export const TraceEntrySchema = z.strictObject({
  /** The mirrors from the reader's downstream neighbour to the mirror this entry is about. */
  path: z.array(z.string().regex(NAME_RE)).min(1).max(16),
  /** The serial the mirror has published, and that tree's sha256 (null before its first sync). */
  serial: z.number().int().nonnegative().nullable(),
  tree: sha256.nullable(),
  /** When the hub published that tree (from the signed TREE.json). */
  treePublished: z.iso.datetime().nullable(),
  /** When the mirror published it, and when it last checked its upstream (its clock). */
  syncedAt: z.iso.datetime().nullable(),
  checkedAt: z.iso.datetime(),
  /** The last sync's error, if it failed. */
  error: z.string().max(500).optional(),
})

export const TraceSchema = z.strictObject({
  format: z.literal(TRACE_FORMAT),
  entries: z.array(TraceEntrySchema).max(TRACE_MAX_ENTRIES),
})

export type TraceEntry = z.infer<typeof TraceEntrySchema>
export type Trace = z.infer<typeof TraceSchema>

/**
 * Parses a trace written by `account`. Every entry must start with the account's own name: a
 * mirror can speak for itself and the tiers behind it, never for a sibling. Throws TRACE_INVALID.
 */
export function parseTrace(text: string, account: string, where: string): Trace {
  if (Buffer.byteLength(text) > TRACE_MAX_BYTES) throw new RoostError('TRACE_INVALID', `${where}: larger than ${TRACE_MAX_BYTES} bytes`)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new RoostError('TRACE_INVALID', `${where}: not JSON`)
  }
  const r = TraceSchema.safeParse(raw)
  if (!r.success) throw new RoostError('TRACE_INVALID', `${where}: ${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? 'invalid'}`)
  const stranger = r.data.entries.find(e => e.path[0] !== account)
  if (stranger) throw new RoostError('TRACE_INVALID', `${where}: mirror '${account}' reports for '${stranger.path.join(' → ')}', which is not behind it`)
  return r.data
}

/**
 * The trace a mirror sends upstream: its own entry first, then every entry its downstream
 * mirrors reported (each path prefixed with this mirror's name; a loop is dropped). Pure.
 */
export function composeTrace(self: string, own: Omit<TraceEntry, 'path'>, downstream: readonly Trace[]): Trace {
  const entries: TraceEntry[] = [{ path: [self], ...own }]
  for (const t of downstream) {
    for (const e of t.entries) {
      if (e.path.includes(self) || e.path.length >= 16 || entries.length >= TRACE_MAX_ENTRIES) continue
      entries.push({ ...e, path: [self, ...e.path] })
    }
  }
  return TraceSchema.parse({ format: TRACE_FORMAT, entries })
}

/**
 * `state/verify.json` (`roost-verify/1`): what the hub's own store checks found — the restore
 * drill (`hub verify --restore-test`) and the rehash (`hub verify`), run by hand or on
 * hub.yaml's `verify` schedule by `hub serve`. It keeps the newest result of each service and
 * the last complete run (over every service) of each kind, which the schedule counts from.
 * `hub status` shows it. The updaters are pure; `readVerifyState`/`recordVerify` are thin I/O.
 */
import { join } from 'node:path'
import { z } from 'zod'
import { NAME_RE } from '../lib/formats/names.js'
import { readIfExists, writeFileAtomic, ensureDir } from '../lib/fsx/atomic.js'
import { withPidLock } from '../lib/fsx/pid-lock.js'
import type { HubPaths } from '../lib/config/hub.js'
import type { Logger } from '../lib/log.js'
import { describeProblems } from '../lib/stores/check-files.js'
import type { DrillReport, RehashReport } from './drill.js'

export const VERIFY_FORMAT = 'roost-verify/1'
export const VERIFY_FILE = 'verify.json'

export const VerifyModeSchema = z.enum(['restore-test', 'rehash'])
export type VerifyMode = z.infer<typeof VerifyModeSchema>

const text = (max: number) => z.string().max(max)

/** One service's newest result. */
export const ServiceCheckSchema = z.strictObject({
  /** When its check finished (hub clock). */
  at: z.iso.datetime(),
  mode: VerifyModeSchema,
  ok: z.boolean(),
  /** The generation the restore drill restored (with its chain), or the first damaged one a rehash found; else null. */
  generation: text(256).nullable(),
  /** Differences found, damaged files, or 1 for a drill that could not finish. */
  problems: z.number().int().min(0),
  /** The first difference or damaged file, or why the drill could not finish; null when ok. */
  first: text(4096).nullable(),
  /** The error code of a drill that could not finish (HASH_MISMATCH, CHAIN_BROKEN, …) or VERIFY_FAILED; null when ok. */
  code: text(64).nullable(),
  /** The restore drill of an encrypted service without an identity: its ciphertext verified, nothing restored. */
  sealedOnly: z.boolean(),
})
export type ServiceCheck = z.infer<typeof ServiceCheckSchema>

/** Codes that mean the hub's copy does not match what was signed (not a local failure such as a full scratch disk). */
const DAMAGE_CODES = new Set(['HASH_MISMATCH', 'VERIFY_FAILED', 'MANIFEST_INVALID', 'MANIFEST_BAD_SIGNATURE', 'CHAIN_BROKEN'])

/**
 * True when a check found the stored copy damaged, so the spoke must send a full: an incr on
 * a damaged chain would restore wrong. Pure.
 */
export function asksForFull(c: ServiceCheck): boolean {
  return !c.ok && c.code !== null && DAMAGE_CODES.has(c.code)
}

/** A run over every service. */
export const VerifyRunSchema = z.strictObject({
  started: z.iso.datetime(),
  finished: z.iso.datetime(),
  by: z.enum(['serve', 'command']),
  ok: z.boolean(),
  services: z.number().int().min(0),
  failed: z.number().int().min(0),
  /** Set when the run itself failed (no index, no index key, …) before checking services. */
  error: z.strictObject({ code: text(64), message: text(4096) }).nullable(),
})
export type VerifyRun = z.infer<typeof VerifyRunSchema>

export const VerifyStateSchema = z.strictObject({
  format: z.literal(VERIFY_FORMAT),
  /** The last complete run of each kind. */
  last: z.strictObject({ 'restore-test': VerifyRunSchema.optional(), rehash: VerifyRunSchema.optional() }),
  services: z.record(z.string().regex(NAME_RE), ServiceCheckSchema),
})
export type VerifyState = z.infer<typeof VerifyStateSchema>

export function emptyVerifyState(): VerifyState {
  return { format: VERIFY_FORMAT, last: {}, services: {} }
}

/** What one run did: the services it checked and, when it covered every service, the run. */
export interface VerifyOutcome {
  mode: VerifyMode
  /** Per service checked. */
  results: Record<string, ServiceCheck>
  /** Set when the run covered every service (or failed as a whole): the schedule counts from it. */
  run?: VerifyRun
}

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s)

/** One service's result of the restore drill. Pure. */
export function checkOfDrill(x: DrillReport['results'][number], at: Date): ServiceCheck {
  const base = { at: at.toISOString(), mode: 'restore-test' as const }
  if ('error' in x) return { ...base, ok: false, generation: null, problems: 1, first: clip(x.error.message, 4096), code: clip(x.error.code, 64), sealedOnly: false }
  const d = x.differences[0]
  return { ...base, ok: x.ok, generation: clip(x.generation, 256), problems: x.differences.length, first: d ? clip(`/${d.path}: ${d.what}`, 4096) : null, code: x.ok ? null : 'VERIFY_FAILED', sealedOnly: x.sealedOnly }
}

/** Each checked service's result of a rehash. Pure. */
export function checksOfRehash(r: RehashReport, at: Date): Record<string, ServiceCheck> {
  const out: Record<string, ServiceCheck> = {}
  for (const s of r.checked) {
    const mine = r.problems.filter(p => p.service === s)
    const p = mine[0]
    out[s] = { at: at.toISOString(), mode: 'rehash', ok: !p, generation: p ? p.generation : null, problems: mine.length, first: p ? clip(describeProblems([p]), 4096) : null, code: p ? 'VERIFY_FAILED' : null, sealedOnly: false }
  }
  return out
}

/**
 * The state after a run. Pure. A run over every service replaces every service's result
 * (a service no longer in the store drops out); a run over one service replaces its result only.
 */
export function withOutcome(prev: VerifyState, o: VerifyOutcome): VerifyState {
  const services = o.run && !o.run.error ? { ...o.results } : { ...prev.services, ...o.results }
  return { ...prev, last: o.run ? { ...prev.last, [o.mode]: o.run } : prev.last, services }
}

/** When the last complete run of `mode` started, or null. Pure. */
export function lastRunStart(s: VerifyState, mode: VerifyMode): Date | null {
  const r = s.last[mode]
  return r ? new Date(r.started) : null
}

export function verifyStatePath(paths: HubPaths): string {
  return join(paths.state, VERIFY_FILE)
}

/** The recorded state; an empty one when there is none or it is unreadable (it is only a record: the next run rewrites it). */
export async function readVerifyState(paths: HubPaths, log?: Logger): Promise<VerifyState> {
  const file = verifyStatePath(paths)
  const raw = await readIfExists(file)
  if (raw === undefined) return emptyVerifyState()
  try {
    return VerifyStateSchema.parse(JSON.parse(raw))
  } catch (err) {
    log?.warn({ file, err: (err as Error).message }, 'verify record is damaged: starting afresh')
    return emptyVerifyState()
  }
}

/** Merges a run's outcome into state/verify.json (atomically, one writer at a time across processes). */
export async function recordVerify(paths: HubPaths, o: VerifyOutcome, log?: Logger): Promise<VerifyState> {
  return withPidLock(
    join(paths.state, 'verify.lock'),
    async () => {
      const next = VerifyStateSchema.parse(withOutcome(await readVerifyState(paths, log), o))
      await writeFileAtomic(verifyStatePath(paths), JSON.stringify(next, null, 2) + '\n', 0o600)
      return next
    },
    {
      words: {
        'being-written': 'the lock file is being written',
        'no-pid-old': 'the lock file holds no pid and is old',
        'own-pid': 'the lock holds our own pid',
        dead: pid => `its holder (pid ${pid}) is gone`,
        live: pid => `another roost process (pid ${pid}) is recording a verification`,
      },
      hint: 'wait and try again; a lock whose process has died is taken over',
      waitMs: 30_000,
      before: () => ensureDir(paths.state),
    },
  )
}

/**
 * What the hub itself decides about a service, beside its books: pinned generations (retention
 * never removes them) and resets (the service started afresh; what came before is its archive).
 * One file per service, `state/services/<svc>.json`, written atomically, never by a spoke.
 * The updaters are pure; `readServiceState` / `writeServiceState` are the thin I/O.
 */
import { join } from 'node:path'
import { z } from 'zod'
import { GENERATION_RE, NAME_RE } from '../lib/formats/names.js'
import { describeIssues } from '../lib/formats/manifest.js'
import { ensureDir, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { RoostError } from '../lib/errors.js'
import type { HubPaths } from '../lib/config/hub.js'

export const SERVICE_STATE_FORMAT = 'roost-service-state/1'

export const PinSchema = z.strictObject({
  /** When it was pinned (hub clock). */
  at: z.iso.datetime(),
  note: z.string().max(1024).optional(),
})

export const ResetSchema = z.strictObject({ at: z.iso.datetime() })

export const ServiceStateSchema = z.strictObject({
  format: z.literal(SERVICE_STATE_FORMAT),
  service: z.string().regex(NAME_RE),
  pins: z.record(z.string().regex(GENERATION_RE), PinSchema),
  /** Oldest first. */
  resets: z.array(ResetSchema).max(10_000),
})

export type Pin = z.infer<typeof PinSchema>
export type Reset = z.infer<typeof ResetSchema>
export type ServiceState = z.infer<typeof ServiceStateSchema>

/** The state of a service nothing was decided about yet. */
export function emptyServiceState(service: string): ServiceState {
  return { format: SERVICE_STATE_FORMAT, service, pins: {}, resets: [] }
}

/** Pins (or re-pins, replacing the note) a generation. Pure. */
export function withPin(s: ServiceState, generation: string, at: Date, note?: string): ServiceState {
  const pin: Pin = note === undefined ? { at: at.toISOString() } : { at: at.toISOString(), note }
  return { ...s, pins: { ...s.pins, [generation]: pin } }
}

/** Removes a pin (nothing when there is none). Pure. */
export function withoutPin(s: ServiceState, generation: string): ServiceState {
  const pins = { ...s.pins }
  delete pins[generation]
  return { ...s, pins }
}

/** Records a reset at `at`. Pure. */
export function withReset(s: ServiceState, at: Date): ServiceState {
  return { ...s, resets: [...s.resets, { at: at.toISOString() }] }
}

/** The time of the newest reset, or null. Pure. */
export function lastReset(s: ServiceState): string | null {
  return s.resets.reduce<string | null>((m, r) => (m === null || r.at > m ? r.at : m), null)
}

/** Where a service's state lives. */
export function serviceStatePath(paths: HubPaths, service: string): string {
  if (!NAME_RE.test(service)) throw new Error(`not a service name: ${service}`)
  return join(paths.state, 'services', `${service}.json`)
}

/** The service's state; an empty one when there is no file. Throws INDEX_INVALID naming a damaged file. */
export async function readServiceState(paths: HubPaths, service: string): Promise<ServiceState> {
  const file = serviceStatePath(paths, service)
  const text = await readIfExists(file)
  if (text === undefined) return emptyServiceState(service)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new RoostError('INDEX_INVALID', `${file}: not JSON`, { cause: err, hint: 'restore it from a backup of the hub, or remove it (pins and resets are then forgotten)' })
  }
  const r = ServiceStateSchema.safeParse(raw)
  if (!r.success || r.data.service !== service) {
    throw new RoostError('INDEX_INVALID', `${file}: not the state of service '${service}'${r.success ? '' : ` (${describeIssues(r.error.issues)})`}`)
  }
  return r.data
}

/** Replaces the service's state atomically (mode 0600). */
export async function writeServiceState(paths: HubPaths, s: ServiceState): Promise<void> {
  const state = ServiceStateSchema.parse(s)
  await ensureDir(paths.state)
  await ensureDir(join(paths.state, 'services'))
  await writeFileAtomic(serviceStatePath(paths, state.service), JSON.stringify(state, null, 2) + '\n', 0o600)
}

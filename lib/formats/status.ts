/**
 * status.json: what the hub tells a spoke about its service (written by the hub into
 * store/<svc>/, readable by the spoke, never writable by it). Pure.
 */
import { z } from 'zod'
import { GENERATION_RE, NAME_RE } from './names.js'
import { describeIssues } from './manifest.js'
import { RoostError } from '../errors.js'

/**
 * Why the hub wants a full (status.json `wantFullReason`): an incr or diff built on something
 * the store does not hold, any other rejected arrival (the spoke's chain may have moved on
 * from what the store holds), `roost hub reset`, or a stored generation found damaged.
 * Readers accept any short string, so a newer hub can add a reason.
 */
export const WANT_FULL_REASONS = ['missing-base', 'rejected', 'reset', 'mismatch'] as const
export type WantFullReason = (typeof WANT_FULL_REASONS)[number]

export const ServiceStatusSchema = z.strictObject({
  format: z.literal('roost-status/1'),
  service: z.string().regex(NAME_RE),
  updated: z.iso.datetime(),
  /** The newest accepted generation. */
  last: z.strictObject({ generation: z.string().regex(GENERATION_RE), accepted: z.iso.datetime(), bytes: z.number().int().nonnegative() }).nullable(),
  /** The newest rejection, if it came after the newest acceptance. */
  lastReject: z
    .strictObject({ generation: z.string().max(256), at: z.iso.datetime(), code: z.string().max(64), message: z.string().max(4096) })
    .nullable(),
  /** The hub asks for a full on the next run (chain broken, reset, rejected arrival). */
  wantFull: z.boolean(),
  /** Why `wantFull` is set (one of WANT_FULL_REASONS); null when it is not. Absent in older files. */
  wantFullReason: z.string().max(64).nullable().optional(),
  generations: z.number().int().nonnegative(),
})

export type ServiceStatus = z.infer<typeof ServiceStatusSchema>

export function parseServiceStatus(text: string, where = 'status.json'): ServiceStatus {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new RoostError('MANIFEST_INVALID', `${where}: not JSON`, { cause: err })
  }
  const r = ServiceStatusSchema.safeParse(raw)
  if (!r.success) throw new RoostError('MANIFEST_INVALID', `${where}: ${describeIssues(r.error.issues)}`)
  return r.data
}

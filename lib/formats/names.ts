/**
 * Names that become paths: services, mirrors, generation ids and archive file names.
 * Each is checked against a strict pattern before it ever touches the file system.
 */
import { RoostError } from '../errors.js'

/** A service or mirror name: also an SSH user name and a folder name. */
export const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/

export const KINDS = ['full', 'diff', 'incr'] as const
export type Kind = (typeof KINDS)[number]

/** `20261122T030000Z-full`: sorts by time, then names its kind. */
export const GENERATION_RE = /^\d{8}T\d{6}Z-(full|diff|incr)$/

/** A generation's label (`spoke run --label pre-update`). */
export const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** A file inside a generation folder: plain, no leading dot, no separators. */
export const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export function isName(s: string): boolean {
  return NAME_RE.test(s)
}

export function assertName(s: string, what = 'name'): string {
  if (!NAME_RE.test(s)) {
    throw new RoostError('NAME_INVALID', `${what} '${s}' is not valid`, { hint: 'use lower-case letters, digits and dashes, starting with a letter (at most 32)' })
  }
  return s
}

export function isGenerationId(s: string): boolean {
  return GENERATION_RE.test(s)
}

/** The generation id for a kind made at a time (UTC, second precision). */
export function generationId(at: Date, kind: Kind): string {
  const iso = at.toISOString() // 2026-11-22T03:00:00.000Z
  const stamp = iso.slice(0, 19).replace(/[-:]/g, '') + 'Z'
  return `${stamp}-${kind}`
}

/** The time encoded in a generation id. */
export function generationTime(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id)
  if (!m) throw new Error(`not a generation id: ${id}`)
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
}

export function generationKind(id: string): Kind {
  const m = GENERATION_RE.exec(id)
  if (!m) throw new Error(`not a generation id: ${id}`)
  return m[1] as Kind
}

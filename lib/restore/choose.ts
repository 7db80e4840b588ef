/**
 * Which generation a restore means: the one named, the newest at a time (`--at`), or the
 * newest. Pure: the list of generations and the time are parameters.
 */
import { RoostError } from '../errors.js'
import { generationTime } from '../formats/names.js'

const AT_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/

function usage(text: string): RoostError {
  return new RoostError('USAGE', `--at '${text}' is not a time like 2026-11-20T12:00:00Z or a date like 2026-11-20`, {
    hint: 'a date means the end of that day (UTC); a time needs Z or an offset such as +02:00',
  })
}

/**
 * The instant `--at` names: an ISO 8601 time with a zone (`2026-11-20T12:00:00Z`,
 * `2026-11-20T13:00+01:00`) or a date, meaning the last moment of that day in UTC.
 * Throws USAGE for anything else (also for a day that does not exist, like 2026-02-30).
 */
export function parseAtTime(text: string): Date {
  const m = AT_RE.exec(text.trim())
  if (!m) throw usage(text)
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const day = new Date(Date.UTC(y, mo - 1, d))
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) throw usage(text)
  if (m[4] === undefined) return new Date(day.getTime() + 86_400_000 - 1)
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)]
  if (h > 23 || mi > 59 || s > 59) throw usage(text)
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${m[8]!.length === 5 ? `${m[8]!.slice(0, 3)}:${m[8]!.slice(3)}` : m[8]}`)
  if (Number.isNaN(at.getTime())) throw usage(text)
  return at
}

function hint(available: readonly string[]): string {
  return available.length ? `available: ${available.slice(-5).join(', ')}${available.length > 5 ? ' …' : ''}` : 'it has no generations'
}

/** The generation to restore: the one asked for, or the newest. */
export function chooseGeneration(available: readonly string[], requested: string | undefined, service: string, source: string): string {
  if (requested !== undefined) {
    if (!available.includes(requested)) {
      throw new RoostError('GENERATION_NOT_FOUND', `generation ${requested} of service '${service}' is not in ${source}`, { hint: hint(available) })
    }
    return requested
  }
  const newest = [...available].sort().at(-1)
  if (!newest) throw new RoostError('GENERATION_NOT_FOUND', `service '${service}' has no generations in ${source}`)
  return newest
}

/**
 * The newest generation whose id time is at or before `at`. Throws GENERATION_NOT_FOUND naming
 * the oldest generation there is when every one is newer.
 */
export function chooseAt(available: readonly string[], at: Date, service: string, source: string): string {
  const sorted = [...available].sort()
  const found = sorted.filter(g => generationTime(g).getTime() <= at.getTime()).at(-1)
  if (found) return found
  const oldest = sorted[0]
  throw new RoostError('GENERATION_NOT_FOUND', `service '${service}' has no generation at or before ${at.toISOString()} in ${source}`, {
    hint: oldest ? `the oldest there is ${oldest}` : 'it has no generations',
  })
}

/** What to restore: a generation id, or the newest at a time, or (neither) the newest. */
export interface Selection {
  generation?: string
  at?: Date
}

/** Applies a selection; both a generation and a time is a usage error. */
export function choose(available: readonly string[], sel: Selection, service: string, source: string): string {
  if (sel.generation !== undefined && sel.at !== undefined) {
    throw new RoostError('USAGE', 'give a generation or --at TIME, not both')
  }
  return sel.at ? chooseAt(available, sel.at, service, source) : chooseGeneration(available, sel.generation, service, source)
}

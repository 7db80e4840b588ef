/**
 * Retention as a pure plan: which of a service's generations to keep, each with its reasons,
 * and which to remove, each with one reason. Like restic's `forget`: keep-last N, then for
 * daily / weekly (ISO) / monthly / yearly the newest generation of each of the last N periods
 * that have one. Unlike a plan over the ids' times, every rule reads only the hub's clock: the
 * books' `accepted` time and arrival order. A spoke's claimed times (its generation ids) never
 * matter, so a compromised spoke cannot age good generations out by forging them.
 *
 * On top of GFS, in this order: the newest generation is always kept; pinned ones are kept;
 * an archive (generations accepted before a reset) is kept until that reset + `archive`;
 * a burst (more than `burst` arrivals within one `every`) raises an alert and holds every
 * removal of a generation accepted before the burst began; and every generation a kept one
 * builds on (its chain) is kept, "needed by" it.
 */
import { dependsOn, type ChainLink } from '../../lib/formats/chain.js'
import { formatDuration } from '../../lib/config/units.js'
import type { RetentionPolicy } from '../../lib/config/hub.js'
import { durationText } from '../hub-yaml.js'
import { PERIODS, periodOf } from './periods.js'

/** What the plan reads of a generation: its chain link and when the hub accepted it. */
export interface RetentionGeneration extends ChainLink {
  /** Hub clock, ISO. */
  accepted: string
}

export type RetentionPins = Readonly<Record<string, { at: string; note?: string | undefined }>>
export type RetentionResets = ReadonlyArray<{ at: string }>

export interface KeepEntry {
  generation: string
  reasons: string[]
}

export interface RemoveEntry {
  generation: string
  reason: string
}

export interface RetentionAlert {
  kind: 'burst'
  message: string
  /** Most arrivals seen within one `every`. */
  arrivals: number
  /** Removals of generations accepted before this time are held. */
  began: string
}

/** Keep and remove each list generations in arrival order (oldest first). */
export interface RetentionPlan {
  keep: KeepEntry[]
  remove: RemoveEntry[]
  alerts: RetentionAlert[]
}

/** Oldest first by the hub's clock; the same instant falls back on the id, only to be deterministic. */
function byArrival(a: RetentionGeneration, b: RetentionGeneration): number {
  return a.accepted.localeCompare(b.accepted) || a.generation.localeCompare(b.generation)
}

/** The first burst in arrival order, and the largest, or undefined. `gens` oldest first. */
export function findBurst(gens: readonly RetentionGeneration[], every: number, burst: number): RetentionAlert | undefined {
  const t = gens.map(g => Date.parse(g.accepted))
  let began: string | undefined
  let most = { count: 0, from: 0, to: 0 }
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! - t[i]! < every) j++
    const count = j - i
    if (count <= burst) continue
    began ??= gens[i + burst]!.accepted // the first arrival beyond what a window may hold
    if (count > most.count) most = { count, from: i, to: j - 1 }
  }
  if (began === undefined) return undefined
  const span = formatDuration(t[most.to]! - t[most.from]!)
  return {
    kind: 'burst',
    arrivals: most.count,
    began,
    message: `burst: ${most.count} arrivals in ${span}, expected 1 per ${durationText(every)} (more than ${burst} within ${durationText(every)} is a burst); removals of generations accepted before ${began} are held`,
  }
}

function rulesText(p: RetentionPolicy): string {
  const parts = [p.keepLast ? `last ${p.keepLast}` : '', ...PERIODS.map(k => (p[k] ? `${k} ${p[k]}` : ''))].filter(Boolean)
  return parts.length ? `not kept by ${parts.join(', ')}` : 'no rule keeps it'
}

/** GFS over the generations since the last reset, newest first. */
function applyGfs(current: readonly RetentionGeneration[], p: RetentionPolicy, add: (g: string, why: string) => void): void {
  current.slice(0, p.keepLast).forEach(g => add(g.generation, `last ${p.keepLast}`))
  for (const period of PERIODS) {
    const n = p[period]
    let last: string | undefined
    let count = 0
    for (const g of current) {
      if (count >= n) break
      const key = periodOf(period, new Date(g.accepted))
      if (key === last) continue
      last = key
      count++
      add(g.generation, `${period} ${key}`)
    }
  }
}

/** Marks every generation a kept one builds on, "needed by" the newest kept one that does. */
function addNeeded(newestFirst: readonly RetentionGeneration[], reasons: Map<string, string[]>, add: (g: string, why: string) => void): void {
  const byId = new Map(newestFirst.map(g => [g.generation, g]))
  const needed = new Set<string>()
  for (const root of newestFirst.filter(g => reasons.has(g.generation))) {
    let id = dependsOn(root)
    while (id !== null && !needed.has(id)) {
      const link = byId.get(id)
      if (!link) break // not held: a broken chain is reported elsewhere
      needed.add(id)
      add(id, `needed by ${root.generation}`)
      id = dependsOn(link)
    }
  }
}

/**
 * The retention plan of one service. `gens` in any order; `now` decides only when an archive
 * expires. Never removes the newest generation, a pinned one, or one a kept one builds on.
 */
export function planRetention(gens: readonly RetentionGeneration[], policy: RetentionPolicy, now: Date, pins: RetentionPins, resets: RetentionResets): RetentionPlan {
  const all = [...gens].sort(byArrival)
  const newestFirst = [...all].reverse()
  const reasons = new Map<string, string[]>()
  const add = (g: string, why: string): void => void reasons.set(g, [...(reasons.get(g) ?? []), why])
  const removal = new Map<string, string>()
  const resetTimes = resets.map(r => r.at).sort()
  const archiveOf = (g: RetentionGeneration): string | undefined => resetTimes.find(at => g.accepted < at)

  if (newestFirst[0]) add(newestFirst[0].generation, 'newest')
  applyGfs(newestFirst.filter(g => archiveOf(g) === undefined), policy, add)
  for (const g of all) {
    const pin = Object.hasOwn(pins, g.generation) ? pins[g.generation] : undefined
    if (pin) add(g.generation, `pinned at ${pin.at}${pin.note ? `: ${pin.note}` : ''}`)
    const reset = archiveOf(g)
    if (reset === undefined) continue
    const until = new Date(Date.parse(reset) + policy.archive).toISOString()
    if (now.toISOString() < until) add(g.generation, `archive of the reset at ${reset}, kept until ${until}`)
    else removal.set(g.generation, `archive of the reset at ${reset}, expired at ${until}`)
  }
  const burst = findBurst(all, policy.every, policy.burst)
  if (burst) {
    for (const g of all) if (g.accepted < burst.began && !reasons.has(g.generation)) add(g.generation, `held: a burst began at ${burst.began}`)
  }
  addNeeded(newestFirst, reasons, add)
  const rules = rulesText(policy)
  return {
    keep: all.filter(g => reasons.has(g.generation)).map(g => ({ generation: g.generation, reasons: reasons.get(g.generation)! })),
    remove: all.filter(g => !reasons.has(g.generation)).map(g => ({ generation: g.generation, reason: removal.get(g.generation) ?? rules })),
    alerts: burst ? [burst] : [],
  }
}

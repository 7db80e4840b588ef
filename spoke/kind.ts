/**
 * Which kind of generation a run makes, and what it builds on. Pure: the history, the
 * policy, the hub's wish and the clock are parameters.
 *
 * Order of rules: the hub asks for a full; there is no usable full to build on; `--kind`;
 * the newest full is `fullEvery` old; otherwise the policy's `between` kind.
 */
import { generationKind, generationTime, type Kind } from '../lib/formats/names.js'
import { formatDuration as age } from '../lib/config/units.js'
import type { LocalState } from './local.js'

/** One generation this host made, as far as choosing the next kind is concerned. */
export interface KindHistoryEntry {
  generation: string
  kind: Kind
  state: LocalState
  /** Whether tar's snapshot file after making it is still kept (state/snapshots/<gen>.snar). */
  hasSnapshot: boolean
}

export interface KindPolicy {
  /** Milliseconds: a full when the newest full is at least this old. */
  fullEvery: number
  between: Kind
}

export interface KindInput {
  /** `spoke run --kind`. */
  requested?: Kind | undefined
  policy: KindPolicy
  /** Any order. */
  history: readonly KindHistoryEntry[]
  /** The hub's status.json says `wantFull`. */
  hubWantsFull: boolean
  now: Date
}

export interface KindChoice {
  kind: Kind
  /** The full a diff builds on; null otherwise. */
  base: string | null
  /** The generation an incr builds on; null otherwise. */
  parent: string | null
  reason: string
  /** Set when `--kind` asked for a diff or incr that cannot be made: say it as a warning. */
  overridden?: Kind
}

/** How far ahead of the clock a generation may be dated and still be built on (freshGenerationId waits out up to ~3 s). */
const CLOCK_SLACK_MS = 5_000

/** True when a generation is dated ahead of this clock (made while the clock ran fast). Pure. */
export function aheadOfClock(generation: string, now: Date): boolean {
  return generationTime(generation).getTime() > now.getTime() + CLOCK_SLACK_MS
}

/**
 * Newest first by id, except that generations dated ahead of the clock come last: after the
 * clock is set back, what this host made since is newer than what it dated in the future. Pure.
 */
export function byRecency<T extends { generation: string }>(gens: readonly T[], now: Date): T[] {
  const desc = (a: T, b: T): number => (a.generation < b.generation ? 1 : a.generation > b.generation ? -1 : 0)
  return [...gens.filter(g => !aheadOfClock(g.generation, now)).sort(desc), ...gens.filter(g => aheadOfClock(g.generation, now)).sort(desc)]
}

function full(reason: string, requested?: Kind): KindChoice {
  const overridden = requested && requested !== 'full' ? requested : undefined
  return { kind: 'full', base: null, parent: null, reason: overridden ? `${reason} (--kind ${overridden} cannot be made)` : reason, ...(overridden ? { overridden } : {}) }
}


/**
 * The kind of the next generation and its base (diff) or parent (incr). A diff builds on the
 * newest full; an incr on the newest generation since that full that is not rejected and
 * whose snapshot is kept. Never builds on a rejected generation or on one without a snapshot.
 */
export function chooseKind(i: KindInput): KindChoice {
  if (i.hubWantsFull) return full("the hub asks for a full (its status.json says wantFull)", i.requested)
  // a generation dated ahead of this clock (it was made while the clock ran fast) is never built
  // on: the new id would not be newer than its base or parent, and the hub refuses that
  const newest = byRecency(i.history, i.now).filter(g => !aheadOfClock(g.generation, i.now))
  const lastFull = newest.find(g => g.kind === 'full')
  const ahead = i.history.length - newest.length
  if (!lastFull) return full(ahead ? `no full generation on this host dated before its clock (${ahead} dated ahead of it: the clock went back?)` : 'no full generation yet on this host', i.requested)
  if (lastFull.state === 'rejected') return full(`the newest full ${lastFull.generation} was rejected by the hub`, i.requested)
  if (!lastFull.hasSnapshot) return full(`the snapshot of the newest full ${lastFull.generation} is missing`, i.requested)
  const chain = newest.filter(g => g.generation >= lastFull.generation && g.state !== 'rejected' && g.hasSnapshot)
  const parent = chain[0]!.generation // lastFull itself qualifies
  const make = (kind: Kind, reason: string): KindChoice => {
    if (kind === 'full') return full(reason)
    return kind === 'diff' ? { kind, base: lastFull.generation, parent: null, reason } : { kind, base: null, parent, reason }
  }
  if (i.requested) return make(i.requested, `--kind ${i.requested} requested`)
  const old = i.now.getTime() - generationTime(lastFull.generation).getTime()
  if (old >= i.policy.fullEvery) return full(`the newest full ${lastFull.generation} is ${age(old)} old (fullEvery ${age(i.policy.fullEvery)})`)
  const since = `the newest full is ${age(Math.max(0, old))} old`
  return make(i.policy.between, i.policy.between === 'full' ? `policy: a full every run (${since})` : `policy: ${i.policy.between} between fulls (${since})`)
}

/**
 * The history `chooseKind` reads: every local generation, plus any generation whose folder
 * local retention deleted but whose snapshot is kept (it was accepted: retention deletes
 * nothing else). Pure; oldest first.
 */
export function kindHistory(local: readonly { generation: string; state: LocalState }[], snapshots: ReadonlySet<string>): KindHistoryEntry[] {
  const out = new Map<string, KindHistoryEntry>()
  for (const s of snapshots) out.set(s, { generation: s, kind: generationKind(s), state: 'accepted', hasSnapshot: true })
  for (const g of local) out.set(g.generation, { generation: g.generation, kind: generationKind(g.generation), state: g.state, hasSnapshot: snapshots.has(g.generation) })
  return [...out.values()].sort((a, b) => (a.generation < b.generation ? -1 : 1))
}

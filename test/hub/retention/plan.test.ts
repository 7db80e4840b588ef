import t, { type Test } from 'tap'
import { findBurst, planRetention, type RetentionGeneration, type RetentionPlan } from '../../../hub/retention/plan.js'
import { isoWeek, periodOf } from '../../../hub/retention/periods.js'
import type { RetentionPolicy } from '../../../lib/config/hub.js'
import { generationId, type Kind } from '../../../lib/formats/names.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const NOW = new Date('2026-03-01T12:00:00.000Z')
const DEFAULTS: RetentionPolicy = { keepLast: 3, daily: 14, weekly: 8, monthly: 12, yearly: 5, archive: 90 * DAY, burst: 4, every: DAY }
const NONE: RetentionPolicy = { ...DEFAULTS, keepLast: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 }

/** Generations accepted at these hub times (a full starts a chain, a diff builds on the last full, an incr on the one before). */
function chain(spec: ReadonlyArray<readonly [string, Kind]>, idOf = (accepted: Date, kind: Kind): string => generationId(new Date(accepted.getTime() - 9000), kind)): RetentionGeneration[] {
  const out: RetentionGeneration[] = []
  let lastFull: string | null = null
  for (const [when, kind] of spec) {
    const accepted = new Date(when)
    const generation = idOf(accepted, kind)
    const prev = out[out.length - 1]?.generation ?? null
    out.push({ generation, kind, base: kind === 'diff' ? lastFull : null, parent: kind === 'incr' ? prev : null, accepted: accepted.toISOString() })
    if (kind === 'full') lastFull = generation
  }
  return out
}

const days = (from: string, n: number, kind: (i: number) => Kind): Array<[string, Kind]> =>
  Array.from({ length: n }, (_, i) => [new Date(Date.parse(from) + i * DAY).toISOString(), kind(i)] as [string, Kind])

/** 40 generations over more than a year: sparse fulls long ago, weekly chains lately, daily incrs in the last two weeks. */
const YEAR: RetentionGeneration[] = chain([
  ['2024-06-15T03:00:09Z', 'full'],
  ['2024-12-20T03:00:09Z', 'full'],
  ['2025-01-10T03:00:09Z', 'full'],
  ['2025-02-14T03:00:09Z', 'full'],
  ['2025-02-15T03:00:09Z', 'incr'],
  ...Array.from({ length: 10 }, (_, i) => [`2025-${String(i + 3).padStart(2, '0')}-01T03:00:09Z`, 'full'] as [string, Kind]),
  ...days('2026-01-05T03:00:09Z', 4, () => 'full').map(([d, k], i) => [new Date(Date.parse(d) + i * 6 * DAY).toISOString(), k] as [string, Kind]),
  ['2026-02-02T03:00:09Z', 'full'],
  ['2026-02-03T03:00:09Z', 'incr'],
  ['2026-02-04T03:00:09Z', 'incr'],
  ['2026-02-09T03:00:09Z', 'full'],
  ['2026-02-10T03:00:09Z', 'diff'],
  ...days('2026-02-15T03:00:09Z', 7, i => (i === 0 ? 'full' : 'incr')),
  ...days('2026-02-22T03:00:09Z', 7, i => (i === 0 ? 'full' : 'incr')),
  ['2026-02-28T12:00:09Z', 'diff'],
  ['2026-02-28T18:00:09Z', 'incr'],
])

/** A plan as lines a person can check: every generation with its verdict and reasons, in arrival order. */
function render(gens: readonly RetentionGeneration[], plan: RetentionPlan): string {
  const verdict = new Map<string, string>()
  for (const k of plan.keep) verdict.set(k.generation, `keep    ${k.reasons.join('; ')}`)
  for (const r of plan.remove) verdict.set(r.generation, `remove  ${r.reason}`)
  const lines = [...gens].sort((a, b) => a.accepted.localeCompare(b.accepted)).map(g => `${g.generation}  ${g.accepted}  ${verdict.get(g.generation) ?? 'MISSING FROM THE PLAN'}`)
  return [...lines, ...plan.alerts.map(a => `ALERT ${a.message}`)].join('\n')
}

function check(t: Test, gens: readonly RetentionGeneration[], plan: RetentionPlan): void {
  const ids = new Set(gens.map(g => g.generation))
  const keep = new Set(plan.keep.map(k => k.generation))
  t.equal(plan.keep.length + plan.remove.length, gens.length, 'every generation is either kept or removed')
  t.ok(plan.remove.every(r => ids.has(r.generation) && !keep.has(r.generation)), 'never both')
  const newest = [...gens].sort((a, b) => a.accepted.localeCompare(b.accepted)).pop()
  if (newest) t.ok(keep.has(newest.generation), 'the newest generation is kept')
  for (const g of gens.filter(x => keep.has(x.generation))) {
    const before = g.kind === 'diff' ? g.base : g.kind === 'incr' ? g.parent : null
    if (before && ids.has(before)) t.ok(keep.has(before), `${g.generation} keeps ${before}, which it builds on`)
  }
}

t.test('the fixture is forty generations over more than a year', async t => {
  t.equal(YEAR.length, 40)
})

t.test('calendar periods are UTC and weeks are ISO weeks', async t => {
  t.equal(isoWeek(new Date('2026-01-01T00:00:00Z')), '2026-W01', 'a Thursday starts week 1')
  t.equal(isoWeek(new Date('2027-01-01T00:00:00Z')), '2026-W53', 'a Friday belongs to the year before')
  t.equal(isoWeek(new Date('2024-12-30T00:00:00Z')), '2025-W01', 'a Monday can belong to the next year')
  t.equal(isoWeek(new Date('2026-03-01T23:59:59Z')), '2026-W09', 'Sunday ends the week')
  t.equal(isoWeek(new Date('2026-03-02T00:00:00Z')), '2026-W10', 'Monday starts the next')
  t.equal(periodOf('daily', new Date('2026-02-28T23:59:59.999Z')), '2026-02-28')
  t.equal(periodOf('monthly', new Date('2026-02-28T23:59:59.999Z')), '2026-02')
  t.equal(periodOf('yearly', new Date('2026-02-28T23:59:59.999Z')), '2026')
})

const POLICIES: Array<[string, RetentionPolicy]> = [
  ['the defaults (last 3, daily 14, weekly 8, monthly 12, yearly 5)', DEFAULTS],
  ['keep-last 5 only', { ...NONE, keepLast: 5 }],
  ['daily 7 and weekly 4', { ...NONE, daily: 7, weekly: 4 }],
  ['last 1, monthly 6, yearly 2', { ...NONE, keepLast: 1, monthly: 6, yearly: 2 }],
  ['no rule at all: the newest and its chain', NONE],
]

for (const [name, policy] of POLICIES) {
  t.test(`golden plan: ${name}`, async t => {
    const plan = planRetention(YEAR, policy, NOW, {}, [])
    check(t, YEAR, plan)
    t.same(plan.alerts, [], 'a steady cadence raises no alert')
    t.matchSnapshot(render(YEAR, plan), 'plan')
  })
}

t.test('golden plan: a pinned incr keeps its chain, whatever the rules say', async t => {
  const pinned = YEAR[4]!.generation // 2025-02-15 incr on the 2025-02-14 full
  const plan = planRetention(YEAR, NONE, NOW, { [pinned]: { at: '2026-02-01T10:00:00.000Z', note: 'before the 2.0 upgrade' } }, [])
  check(t, YEAR, plan)
  const keep = new Map(plan.keep.map(k => [k.generation, k.reasons]))
  t.same(keep.get(pinned), ['pinned at 2026-02-01T10:00:00.000Z: before the 2.0 upgrade'])
  t.same(keep.get(YEAR[3]!.generation), [`needed by ${pinned}`])
  t.matchSnapshot(render(YEAR, plan), 'plan')
})

t.test('golden plan: after a reset the old generations are an archive kept for `archive`, then removed', async t => {
  const resets = [{ at: '2026-01-20T00:00:00.000Z' }]
  const kept = planRetention(YEAR, { ...DEFAULTS, archive: 90 * DAY }, NOW, {}, resets)
  check(t, YEAR, kept)
  const archived = YEAR.filter(g => g.accepted < resets[0]!.at)
  t.ok(archived.every(g => kept.keep.some(k => k.generation === g.generation)), 'within 90 days of the reset the whole archive is kept')
  t.matchSnapshot(render(YEAR, kept), 'archive kept')

  const pinned = YEAR[1]!.generation
  const expired = planRetention(YEAR, { ...DEFAULTS, archive: 30 * DAY }, NOW, { [pinned]: { at: '2026-01-02T00:00:00.000Z' } }, resets)
  check(t, YEAR, expired)
  t.same(expired.keep.filter(k => archived.some(g => g.generation === k.generation)).map(k => k.generation), [pinned], 'once expired only the pinned one stays')
  t.ok(expired.remove.some(r => /^archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z$/.test(r.reason)))
  t.matchSnapshot(render(YEAR, expired), 'archive expired')
})

t.test('GFS after a reset counts only the generations since the reset', async t => {
  const plan = planRetention(YEAR, { ...NONE, keepLast: 2, archive: 0 }, NOW, {}, [{ at: '2026-02-28T13:00:00.000Z' }])
  // only the 18:00 incr came after the reset; keep-last 2 cannot reach into the archive, whose
  // time (archive 0) is up: what is left of it is only what that incr builds on
  t.same(plan.keep.map(k => k.generation), [YEAR[31]!.generation, YEAR[38]!.generation, YEAR[39]!.generation])
  t.same(plan.keep.find(k => k.generation === YEAR[39]!.generation)?.reasons, ['newest', 'last 2'])
  t.same(plan.keep.find(k => k.generation === YEAR[38]!.generation)?.reasons, [`needed by ${YEAR[39]!.generation}`])
  t.match(plan.remove.find(r => r.generation === YEAR[37]!.generation)?.reason, /^archive of the reset at 2026-02-28T13:00:00.000Z, expired at 2026-02-28T13:00:00.000Z$/)
})

t.test('ids claiming other dates change nothing: only the hub clock and arrival order count', async t => {
  // every id claims a date in 2001, newest arrival first, so id order is the reverse of arrival order
  const forgedId = (accepted: Date, kind: Kind): string => generationId(new Date(Date.UTC(2001, 0, 1) + (Date.parse('2027-01-01') - accepted.getTime()) / 1000), kind)
  const forged = chain(
    YEAR.map(g => [g.accepted, g.kind] as const),
    forgedId,
  )
  const toReal = new Map(forged.map((g, i) => [g.generation, YEAR[i]!.generation]))
  const unforge = (s: string): string => s.replace(/\d{8}T\d{6}Z-(full|diff|incr)/g, id => toReal.get(id) ?? id)
  for (const [name, policy] of POLICIES) {
    const real = planRetention(YEAR, policy, NOW, {}, [])
    const fake = planRetention(forged, policy, NOW, {}, [])
    t.same(
      fake.keep.map(k => ({ generation: unforge(k.generation), reasons: k.reasons.map(unforge) })),
      real.keep,
      `${name}: the same generations are kept, for the same reasons`,
    )
    t.same(fake.remove.map(r => unforge(r.generation)), real.remove.map(r => r.generation), `${name}: the same are removed`)
  }
})

/** A year of daily fulls at 03:00, then `flood` arrivals within an hour whose ids claim dates in 2001. */
function flooded(flood: number): { dailies: RetentionGeneration[]; all: RetentionGeneration[] } {
  const dailies = chain(days('2025-03-01T03:00:09Z', 365, () => 'full'))
  const start = Date.parse('2026-02-28T10:00:00Z')
  const floodGens = chain(
    Array.from({ length: flood }, (_, i) => [new Date(start + i * 30_000).toISOString(), i % 2 ? 'incr' : 'full'] as [string, Kind]),
    (accepted, kind) => generationId(new Date(Date.UTC(2001, 0, 1) + accepted.getTime() - start), kind),
  )
  return { dailies, all: [...dailies, ...floodGens] }
}

t.test('a flood of 100 arrivals in an hour after a year of dailies removes nothing older than the flood', async t => {
  const { dailies, all } = flooded(100)
  const calm = planRetention(dailies, DEFAULTS, NOW, {}, [])
  t.ok(calm.remove.length > 300, `without the flood the year is thinned by GFS (${calm.remove.length} removed)`)
  const plan = planRetention(all, DEFAULTS, NOW, {}, [])
  check(t, all, plan)
  const removed = new Set(plan.remove.map(r => r.generation))
  t.same(dailies.filter(g => removed.has(g.generation)), [], 'every generation accepted before the flood is kept')
  t.ok(plan.remove.length > 50, `the flood's own extras may go (${plan.remove.length} removed)`)
  t.ok(plan.remove.every(r => r.reason.startsWith('not kept by')), 'and only by the rules')
  t.equal(plan.alerts.length, 1)
  t.equal(plan.alerts[0]!.arrivals, 101, 'the last daily and the flood arrived within one day')
  t.match(plan.alerts[0]!.message, /^burst: 101 arrivals in 7h 49m, expected 1 per 1d \(more than 4 within 1d is a burst\)/)
  const held = plan.keep.filter(k => k.reasons.some(r => r.startsWith('held: ')))
  t.ok(held.length > 300, 'what GFS would have removed is held')
  t.matchSnapshot(render(all, plan).split('\n').slice(-110).join('\n'), 'the end of the year and the flood')
})

t.test('burst detection: more than `burst` arrivals within one `every`', async t => {
  const at = (h: number): RetentionGeneration => ({ generation: generationId(new Date(Date.UTC(2026, 0, 1, h)), 'full'), kind: 'full', accepted: new Date(Date.UTC(2026, 0, 1, h)).toISOString() })
  const four = [0, 1, 2, 3].map(at)
  t.equal(findBurst(four, DAY, 4), undefined, 'exactly the allowance is no burst')
  const five = [0, 1, 2, 3, 4].map(at)
  const b = findBurst(five, DAY, 4)
  t.equal(b?.arrivals, 5)
  t.equal(b?.began, five[4]!.accepted, 'the burst begins with the first arrival beyond the allowance')
  t.equal(findBurst(five, 4 * HOUR, 4), undefined, 'a window is `every` long: 00:00 and 04:00 are not within 4h')
  const plan = planRetention(five, { ...NONE, burst: 4 }, NOW, {}, [])
  t.same(plan.remove.map(r => r.generation), [], 'what arrived before the burst began is held')
  t.same(plan.keep.map(k => k.reasons[0]), ['held: a burst began at 2026-01-01T04:00:00.000Z', 'held: a burst began at 2026-01-01T04:00:00.000Z', 'held: a burst began at 2026-01-01T04:00:00.000Z', 'held: a burst began at 2026-01-01T04:00:00.000Z', 'newest'])
})

t.test('an empty service has an empty plan', async t => {
  t.same(planRetention([], DEFAULTS, NOW, {}, []), { keep: [], remove: [], alerts: [] })
})

t.test('a chain link that is not held does not stop the plan', async t => {
  const gens = chain([['2026-02-01T03:00:09Z', 'full'], ['2026-02-02T03:00:09Z', 'incr'], ['2026-02-03T03:00:09Z', 'incr']]).slice(1)
  const plan = planRetention(gens, NONE, NOW, {}, [])
  t.same(plan.keep.map(k => k.generation), gens.map(g => g.generation), 'the newest and what it needs among what is held')
})

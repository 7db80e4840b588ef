import t from 'tap'
import { chooseKind, kindHistory, type KindHistoryEntry, type KindInput } from '../../spoke/kind.js'
import type { LocalState } from '../../spoke/local.js'

const DAY = 86_400_000
const NOW = new Date('2026-11-22T03:00:00Z')
const policy = { fullEvery: 7 * DAY, between: 'incr' as const }

/** A history entry made `daysAgo` before NOW; `-` in the flags means no snapshot. */
function h(daysAgo: number, kind: 'full' | 'diff' | 'incr', state: LocalState = 'accepted', snapshot = true): KindHistoryEntry {
  const at = new Date(NOW.getTime() - daysAgo * DAY).toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z'
  return { generation: `${at}-${kind}`, kind, state, hasSnapshot: snapshot }
}

const F10 = h(10, 'full')
const F3 = h(3, 'full')
const I2 = h(2, 'incr')
const I1 = h(1, 'incr')
const D1 = h(1, 'diff')

interface Case {
  name: string
  input: Partial<KindInput>
  want: { kind: string; base: string | null; parent: string | null; overridden?: string }
  reason: RegExp
}

const cases: Case[] = [
  { name: 'no history: a full', input: { history: [] }, want: { kind: 'full', base: null, parent: null }, reason: /no full generation yet/ },
  { name: 'the hub wants a full, whatever the policy says', input: { history: [F3, I2], hubWantsFull: true }, want: { kind: 'full', base: null, parent: null }, reason: /hub asks for a full.*wantFull/ },
  {
    name: 'the hub wants a full even over --kind incr (a warning)',
    input: { history: [F3, I2], hubWantsFull: true, requested: 'incr' },
    want: { kind: 'full', base: null, parent: null, overridden: 'incr' },
    reason: /hub asks for a full.*--kind incr cannot be made/,
  },
  { name: 'policy between incr: an incr on the newest generation', input: { history: [F3, I2] }, want: { kind: 'incr', base: null, parent: I2.generation }, reason: /policy: incr between fulls/ },
  { name: 'policy between diff: a diff on the newest full', input: { history: [F3, I2], policy: { ...policy, between: 'diff' } }, want: { kind: 'diff', base: F3.generation, parent: null }, reason: /policy: diff/ },
  { name: 'policy between full: always a full', input: { history: [F3], policy: { ...policy, between: 'full' } }, want: { kind: 'full', base: null, parent: null }, reason: /policy: a full every run/ },
  { name: 'an incr after a diff builds on the diff', input: { history: [F3, D1] }, want: { kind: 'incr', base: null, parent: D1.generation }, reason: /policy/ },
  { name: 'the newest full is fullEvery old: a full', input: { history: [F10, I2] }, want: { kind: 'full', base: null, parent: null }, reason: /is 10d 0h old \(fullEvery 7d 0h\)/ },
  { name: 'exactly fullEvery old counts as old', input: { history: [h(7, 'full')] }, want: { kind: 'full', base: null, parent: null }, reason: /7d 0h old/ },
  { name: 'a second under fullEvery is not old yet', input: { history: [h(7 - 1 / 86_400, 'full')] }, want: { kind: 'incr', base: null, parent: h(7 - 1 / 86_400, 'full').generation }, reason: /6d 23h old/ },
  { name: '--kind wins over an old full', input: { history: [F10, I2], requested: 'incr' }, want: { kind: 'incr', base: null, parent: I2.generation }, reason: /--kind incr requested/ },
  { name: '--kind diff on the newest full', input: { history: [F10, F3, I2], requested: 'diff' }, want: { kind: 'diff', base: F3.generation, parent: null }, reason: /--kind diff requested/ },
  { name: '--kind full wins over the policy', input: { history: [F3, I2], requested: 'full' }, want: { kind: 'full', base: null, parent: null }, reason: /--kind full requested/ },
  {
    name: 'the newest full was rejected: a full, even for --kind diff',
    input: { history: [F10, h(3, 'full', 'rejected'), I2], requested: 'diff' },
    want: { kind: 'full', base: null, parent: null, overridden: 'diff' },
    reason: /newest full \S+ was rejected.*--kind diff cannot be made/,
  },
  {
    name: "the newest full's snapshot is gone: a full",
    input: { history: [F10, h(3, 'full', 'accepted', false), I2] },
    want: { kind: 'full', base: null, parent: null },
    reason: /snapshot of the newest full \S+ is missing/,
  },
  { name: 'a rejected incr is never a parent', input: { history: [F3, I2, h(1, 'incr', 'rejected')] }, want: { kind: 'incr', base: null, parent: I2.generation }, reason: /policy/ },
  { name: 'an incr without its snapshot is skipped for an older one', input: { history: [F3, I2, h(1, 'incr', 'accepted', false)] }, want: { kind: 'incr', base: null, parent: I2.generation }, reason: /policy/ },
  { name: 'a pending generation can be a parent', input: { history: [F3, I2, h(1, 'incr', 'pending')] }, want: { kind: 'incr', base: null, parent: h(1, 'incr').generation }, reason: /policy/ },
  { name: 'a generation older than the newest full is never a parent', input: { history: [F10, h(5, 'incr', 'accepted'), h(4, 'full', 'accepted'), h(3.5, 'incr', 'rejected')] }, want: { kind: 'incr', base: null, parent: h(4, 'full').generation }, reason: /policy/ },
  { name: 'history in any order', input: { history: [I2, F10, F3] }, want: { kind: 'incr', base: null, parent: I2.generation }, reason: /policy/ },
  { name: 'a spoke clock a second behind the newest full: no new full (the new id waits the second out)', input: { history: [h(-1 / 86400, 'full')] }, want: { kind: 'incr', base: null, parent: h(-1 / 86400, 'full').generation }, reason: /is 0s old/ },
  { name: 'a spoke clock a day behind the newest full: a full (an incr would be older than its parent)', input: { history: [h(-1, 'full')] }, want: { kind: 'full', base: null, parent: null }, reason: /1 dated ahead of it/ },
  { name: 'generations dated ahead of the clock are skipped for an older full', input: { history: [F10, F3, h(-300, 'full'), h(-299, 'incr')] }, want: { kind: 'incr', base: null, parent: F3.generation }, reason: /policy/ },
]

t.test('chooseKind: the table of cases', async t => {
  for (const c of cases) {
    const got = chooseKind({ policy, hubWantsFull: false, now: NOW, history: [], ...c.input })
    const { reason, ...rest } = got
    t.same(rest, c.want, c.name)
    t.match(reason, c.reason, `${c.name}: reason "${reason}"`)
  }
})

t.test('chooseKind: the reasons read well (golden)', async t => {
  t.matchSnapshot(cases.map(c => `${c.name}: ${chooseKind({ policy, hubWantsFull: false, now: NOW, history: [], ...c.input }).reason}`).join('\n'), 'reasons')
})

t.test('kind history: local generations plus snapshot-only ones (their folders were pruned)', async t => {
  const snaps = new Set(['20261101T030000Z-full', '20261102T030000Z-incr', '20261103T030000Z-incr'])
  const local = [
    { generation: '20261103T030000Z-incr', state: 'accepted' as const },
    { generation: '20261104T030000Z-incr', state: 'rejected' as const },
  ]
  t.same(kindHistory(local, snaps), [
    { generation: '20261101T030000Z-full', kind: 'full', state: 'accepted', hasSnapshot: true },
    { generation: '20261102T030000Z-incr', kind: 'incr', state: 'accepted', hasSnapshot: true },
    { generation: '20261103T030000Z-incr', kind: 'incr', state: 'accepted', hasSnapshot: true },
    { generation: '20261104T030000Z-incr', kind: 'incr', state: 'rejected', hasSnapshot: false },
  ])
  const next = chooseKind({ policy, hubWantsFull: false, now: new Date('2026-11-05T03:00:00Z'), history: kindHistory(local, snaps) })
  t.same([next.kind, next.parent], ['incr', '20261103T030000Z-incr'], 'keepLocal 0 still makes incrementals from the kept snapshots')
})

import t from 'tap'
import { serviceState, type HubState } from '../../hub/status.js'
import { applyAlerts, canary, conditions, planAlerts, type AlertBook, type CanarySample } from '../../hub/alerts.js'
import { subjectOf, payloadOf } from '../../hub/alert-send.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'

const NOW = new Date('2026-11-22T06:00:00.000Z')
const HOUR = 3_600_000
const T = { diskFree: 10 * 1024 ** 3, mirrorLag: 2 * 86_400_000, sizeJump: 4, compressJump: 0.3 }

const rec = (service: string, generation: string, accepted: string): GenerationRecord => ({ service, generation, kind: 'full', accepted, files: { 'data.tar.zst': { bytes: 100, sha256: 'b'.repeat(64) } } })

function hub(over: Partial<HubState> = {}): HubState {
  return {
    now: NOW.toISOString(),
    services: [
      serviceState('fine', 24 * HOUR, [rec('fine', '20261122T030000Z-full', '2026-11-22T03:00:00.000Z')], [], NOW),
      serviceState('slow', HOUR, [rec('slow', '20261121T030000Z-full', '2026-11-21T03:00:00.000Z')], [], NOW),
      serviceState('fresh', HOUR, [], [], NOW),
      serviceState('bad', 24 * HOUR, [rec('bad', '20261122T030000Z-full', '2026-11-22T03:00:00.000Z')], [{ folder: 'x', code: 'ARRIVAL_BAD_SIGNATURE', message: 'forged', at: '2026-11-22T05:00:00.000Z' }], NOW, { pinned: 0, wantFull: 'missing-base', alerts: ['a burst of 9 arrivals'] }, { mode: 'restore-test', generation: '20261122T030000Z-full', ok: false, at: NOW.toISOString(), problems: 1, first: 'wiki/x differs', code: 'HASH_MISMATCH' } as never),
    ],
    mirrors: [{ name: 'far', path: ['far'], serial: 3, lagMs: 3 * 86_400_000, lastContact: NOW.toISOString(), behind: true, note: '' }, { name: 'near', path: ['near'], serial: 9, lagMs: 60_000, lastContact: NOW.toISOString(), behind: false, note: '' }, { name: 'deep', path: ['near', 'deep'], serial: 9, lagMs: 0, lastContact: '2026-11-10T00:00:00.000Z', behind: true, note: 'silent' }],
    index: { serial: 9, published: NOW.toISOString() },
    store: { path: '/srv/store', freeBytes: 5 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 },
    verify: { schedule: null, last: {} as HubState['verify']['last'] },
    ...over,
  }
}

t.test('conditions: late, never delivered, rejected, chain, verify, retention, disk, mirror lag', async t => {
  const seen = { fresh: '2026-11-22T04:00:00.000Z' }
  t.notOk(conditions(hub(), T).some(c => c.key === 'late:fresh'), 'a service first seen now is not late yet')
  const keys = conditions(hub(), T, {}, seen).map(c => c.key).sort()
  t.same(keys, ['chain:bad', 'disk', 'late:fresh', 'late:slow', 'mirror-lag:far', 'mirror-lag:near → deep', 'rejected:bad', 'retention:bad', 'verify:bad'])
  const ok = conditions(hub({ store: { path: '/s', freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 } }), T).map(c => c.key)
  t.notOk(ok.includes('disk'))
  // a reject followed by an accepted generation no longer holds
  const after = hub()
  after.services[3] = serviceState('bad', 24 * HOUR, [rec('bad', '20261122T055900Z-incr', '2026-11-22T05:59:00.000Z')], [{ folder: 'x', code: 'ARRIVAL_BAD_SIGNATURE', message: 'forged', at: '2026-11-22T05:00:00.000Z' }], NOW)
  t.notOk(conditions(after, T).some(c => c.key === 'rejected:bad'))
})

t.test('the canary: a generation that stops compressing, or whose size jumps', async t => {
  const normal = (i: number, stored = 400, tar = 1000): CanarySample => ({ generation: `g${i}`, kind: 'incr', stored, tar })
  const base = [normal(1), normal(2, 420), normal(3, 380), normal(4, 410)]
  t.equal(canary(base, T), undefined, 'a steady service raises nothing')
  t.match(canary([...base, normal(5, 990, 1000)], T), /compresses to 99%.*encrypted by malware/)
  t.match(canary([...base, normal(5, 4000, 10_000)], T), /9\.9× the median/)
  t.equal(canary([normal(1), normal(2, 990)], T), undefined, 'too little history to judge')
  t.equal(canary([...base, { ...normal(5, 990), kind: 'full' }], T), undefined, 'only the same kind is compared')
  const s = hub()
  t.ok(conditions(s, T, { fine: [...base, normal(5, 990, 1000)] }).some(c => c.key === 'canary:fine'))
})

t.test('planAlerts: once when it opens, reminders, a resolve message, and a failed send tried again', async t => {
  const c = [{ key: 'late:slow', kind: 'late' as const, service: 'slow', message: 'slow is late' }]
  let book: AlertBook = { open: {} }
  const step = (current: typeof c, at: Date, sent = true) => {
    const events = planAlerts(book, current, at, HOUR)
    book = applyAlerts(book, current, events.map(e => ({ ...e, sent })), at)
    return events.map(e => `${e.state}:${e.alert.key}`)
  }
  t.same(step(c, NOW, false), ['firing:late:slow'], 'it fires')
  t.same(step(c, new Date(NOW.getTime() + 60_000)), ['firing:late:slow'], 'a failed send is tried again')
  t.same(step(c, new Date(NOW.getTime() + 120_000)), [], 'sent once: quiet')
  t.same(step(c, new Date(NOW.getTime() + HOUR)), [], 'not yet due a reminder (an hour after the send, less a minute)')
  t.same(step(c, new Date(NOW.getTime() + 2 * HOUR)), ['reminder:late:slow'], 'a reminder after the interval')
  t.equal(book.open['late:slow']!.since, NOW.toISOString(), 'it keeps when it opened')
  t.same(step([], new Date(NOW.getTime() + 3 * HOUR), false), ['resolved:late:slow'], 'resolved')
  t.same(step([], new Date(NOW.getTime() + 3 * HOUR + 60_000)), ['resolved:late:slow'], 'a failed resolve is tried again')
  t.same(step([], new Date(NOW.getTime() + 4 * HOUR)), [], 'and then it is gone')
  t.same(book.open, {})
  // a condition that comes and goes before it was ever sent resolves silently
  book = { open: {} }
  step(c, NOW, false)
  t.same(step([], new Date(NOW.getTime() + 60_000)), [], 'never sent: nothing to resolve')
})

t.test('the subject names state, kind and service', async t => {
  const p = payloadOf({ state: 'firing', alert: { key: 'late:wiki', kind: 'late', service: 'wiki', message: 'wiki is late\nmore', since: NOW.toISOString(), lastSent: null } }, NOW)
  t.equal(subjectOf(p), '[roost] FIRING late wiki: wiki is late')
  t.equal(p.service, 'wiki')
})

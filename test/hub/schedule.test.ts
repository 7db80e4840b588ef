import t from 'tap'
import { nextDue, planPeriodic, RECHECK_MS } from '../../hub/schedule.js'

const NOW = new Date('2026-11-22T06:00:00.000Z')
const HOUR = 3_600_000
const WEEK = 7 * 24 * HOUR
const at = (ms: number): Date => new Date(NOW.getTime() + ms)

t.test('nextDue: every after the last run; now when there was none or it lies in the future', async t => {
  t.same(nextDue(null, WEEK, NOW), NOW, 'never ran: due now')
  t.same(nextDue(at(-HOUR), WEEK, NOW), at(WEEK - HOUR), 'an hour ago: a week after it')
  t.same(nextDue(at(-2 * WEEK), WEEK, NOW), at(-WEEK), 'long overdue: in the past, so it runs at once')
  t.same(nextDue(at(HOUR), WEEK, NOW), NOW, 'a last run in the future (the clock went back) is not believed')
})

t.test('planPeriodic: off without a cadence, runs when due, else sleeps until due but never longer than the recheck', async t => {
  t.same(planPeriodic({ every: undefined, recorded: null, ranAt: null, now: NOW }), { action: 'off', ms: RECHECK_MS }, 'no verify block')
  t.same(planPeriodic({ every: 0, recorded: null, ranAt: null, now: NOW }), { action: 'off', ms: RECHECK_MS }, 'prune.every 0')
  t.same(planPeriodic({ every: WEEK, recorded: null, ranAt: null, now: NOW }), { action: 'run' }, 'never ran')
  t.same(planPeriodic({ every: WEEK, recorded: at(-WEEK), ranAt: null, now: NOW }), { action: 'run' }, 'exactly due')
  t.same(planPeriodic({ every: WEEK, recorded: at(-HOUR), ranAt: null, now: NOW }), { action: 'wait', ms: RECHECK_MS, due: at(WEEK - HOUR) }, 'a long wait is cut into rechecks')
  t.same(planPeriodic({ every: 2000, recorded: at(-500), ranAt: null, now: NOW }), { action: 'wait', ms: 1500, due: at(1500) }, 'a short wait to the ms')
})

t.test('planPeriodic: this process never runs twice within every, whatever the record says', async t => {
  t.same(planPeriodic({ every: HOUR, recorded: null, ranAt: at(-1000), now: NOW }), { action: 'wait', ms: RECHECK_MS, due: at(HOUR - 1000) }, 'a record that was not written does not make it run again')
  t.same(planPeriodic({ every: HOUR, recorded: at(5 * HOUR), ranAt: at(-1000), now: NOW }).action, 'wait', 'nor does a record in the future')
  t.same(planPeriodic({ every: HOUR, recorded: at(-2 * HOUR), ranAt: at(-2 * HOUR), now: NOW }), { action: 'run' }, 'due by both')
  t.same(planPeriodic({ every: HOUR, recorded: at(-10), ranAt: at(-2 * HOUR), now: NOW }).action, 'wait', 'another process ran it since: the record wins')
  t.same(planPeriodic({ every: HOUR, recorded: null, ranAt: at(HOUR), now: NOW }), { action: 'run' }, 'our own start in the future (the clock went back) is not believed')
})

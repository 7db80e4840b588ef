import t from 'tap'
import { choose, chooseAt, chooseGeneration, parseAtTime } from '../../../lib/restore/choose.js'

const GENS = ['20261118T030000Z-full', '20261119T030000Z-incr', '20261120T030000Z-incr', '20261120T150000Z-diff', '20261121T030000Z-incr']

t.test('parseAtTime: ISO 8601 with a zone, or a date meaning the end of that day (UTC)', async t => {
  t.equal(parseAtTime('2026-11-20T12:00:00Z').toISOString(), '2026-11-20T12:00:00.000Z')
  t.equal(parseAtTime('2026-11-20').toISOString(), '2026-11-20T23:59:59.999Z')
  t.equal(parseAtTime('2026-11-20T13:00+01:00').toISOString(), '2026-11-20T12:00:00.000Z')
  t.equal(parseAtTime('2026-11-20T13:00:30.5+0100').toISOString(), '2026-11-20T12:00:30.500Z')
  for (const bad of ['2026-11-20T12:00:00', 'yesterday', '2026-02-30', '2026-11-20T24:00Z', '20261120', '']) {
    t.throws(() => parseAtTime(bad), { code: 'USAGE' }, `refuses '${bad}'`)
  }
})

t.test('chooseAt: the newest generation whose id time is at or before the time', async t => {
  t.equal(chooseAt(GENS, parseAtTime('2026-11-20T12:00:00Z'), 'wiki', 'here'), '20261120T030000Z-incr')
  t.equal(chooseAt(GENS, parseAtTime('2026-11-20'), 'wiki', 'here'), '20261120T150000Z-diff', 'a date: the last one that day')
  t.equal(chooseAt(GENS, parseAtTime('2026-11-20T03:00:00Z'), 'wiki', 'here'), '20261120T030000Z-incr', 'at exactly its time')
  t.equal(chooseAt([...GENS].reverse(), parseAtTime('2030-01-01'), 'wiki', 'here'), '20261121T030000Z-incr', 'order of the list does not matter')
  t.throws(() => chooseAt(GENS, parseAtTime('2026-11-17'), 'wiki', 'hub x'), { code: 'GENERATION_NOT_FOUND', message: /no generation at or before 2026-11-17T23:59:59.999Z in hub x/, hint: /oldest there is 20261118T030000Z-full/ })
  t.throws(() => chooseAt([], parseAtTime('2026-11-17'), 'wiki', 'here'), { code: 'GENERATION_NOT_FOUND', hint: /no generations/ })
})

t.test('choose: a generation or a time, never both; neither means the newest', async t => {
  t.equal(choose(GENS, {}, 'wiki', 'here'), '20261121T030000Z-incr')
  t.equal(choose(GENS, { generation: '20261119T030000Z-incr' }, 'wiki', 'here'), '20261119T030000Z-incr')
  t.equal(choose(GENS, { at: parseAtTime('2026-11-19') }, 'wiki', 'here'), '20261119T030000Z-incr')
  t.throws(() => choose(GENS, { generation: GENS[0]!, at: new Date() }, 'wiki', 'here'), { code: 'USAGE' })
  t.throws(() => chooseGeneration(GENS, '20200101T000000Z-full', 'wiki', 'here'), { code: 'GENERATION_NOT_FOUND', hint: /available: .*20261121T030000Z-incr/ })
})

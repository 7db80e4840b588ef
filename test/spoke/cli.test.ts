import t from 'tap'
import { renderRun, runOptions } from '../../spoke/cli.js'

t.test('spoke run options: kind, label, bandwidth and time budget are checked', async t => {
  t.same(runOptions({ wait: '120s' }), { kind: undefined, label: undefined, bwlimit: undefined, timeBudgetMs: undefined, verdictTimeoutMs: 120_000 }, 'no --kind: the policy decides')
  t.same(runOptions({ wait: '5m', kind: 'diff', label: 'pre-update', bwlimit: '2M', timeBudget: '30m' }), {
    kind: 'diff',
    label: 'pre-update',
    bwlimit: 2 * 1024 * 1024,
    timeBudgetMs: 30 * 60_000,
    verdictTimeoutMs: 300_000,
  })
  const usage = (o: Parameters<typeof runOptions>[0], message: RegExp) => t.throws(() => runOptions(o), { code: 'USAGE', message }, String(message))
  usage({ wait: '1s', kind: 'weekly' }, /--kind must be one of full, diff, incr/)
  usage({ wait: '1s', label: 'pre update' }, /--label 'pre update' is not a label/)
  usage({ wait: '1s', label: '-x' }, /--label/)
  usage({ wait: '1s', label: 'x'.repeat(65) }, /--label/)
  usage({ wait: '1s', bwlimit: 'fast' }, /--bwlimit 'fast'/)
  usage({ wait: '1s', bwlimit: '0' }, /--bwlimit '0'/)
  usage({ wait: '1s', timeBudget: '10' }, /--time-budget '10' is not a duration/)
  usage({ wait: 'soon' }, /--wait 'soon'/)
})

t.test('the run summary names the kind, what it builds on, why, and the label (golden)', async t => {
  const r = {
    service: 'wiki',
    generation: '20261122T030000Z-incr',
    kind: 'incr' as const,
    base: null,
    parent: '20261121T030000Z-full',
    reason: 'policy: incr between fulls (the newest full is 1d 0h old)',
    label: 'pre-update',
    bytes: 40960,
    entries: 12,
    sha256: 'a'.repeat(64),
    tarExit: 0,
    sent: 2048,
    literal: 1000,
    matched: 39000,
    hooks: [],
    resumed: [],
    deleted: ['20261120T030000Z-full'],
    ms: { lock: 1, archive: 20, upload: 300 },
  }
  const text = renderRun(r)
  t.matchSnapshot(text, 'incr')
  t.match(text, /incr on 20261121T030000Z-full: policy: incr between fulls/)
  t.match(text, /\[pre-update\]/)
})

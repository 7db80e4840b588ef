import t from 'tap'
import { silentLogger } from '../../lib/log.js'
import { startPeriodic } from '../../hub/periodic.js'
import { planPeriodic } from '../../hub/schedule.js'

const log = silentLogger()
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

t.test('a task runs at once, then every period, never overlapping itself, and goes on after a failure', async t => {
  let running = 0
  let overlapped = false
  const starts: number[] = []
  const p = startPeriodic({
    name: 'test',
    plan: async (now, ranAt) => planPeriodic({ every: 60, recorded: null, ranAt, now }),
    async run() {
      starts.push(Date.now())
      if (running++) overlapped = true
      await sleep(100) // longer than the period: the next run waits for this one
      running--
      if (starts.length === 2) throw new Error('one bad run')
    },
  }, { log, now: () => new Date() })
  await sleep(450)
  await p.close()
  t.ok(starts.length >= 3, `ran ${starts.length} times, also after the failing second run`)
  t.notOk(overlapped, 'never two at once')
  for (let i = 1; i < starts.length; i++) t.ok(starts[i]! - starts[i - 1]! >= 95, 'each run starts after the previous one ended')
})

t.test('close aborts the running task, waits for it, and nothing runs afterwards', async t => {
  let runs = 0
  let sawAbort = false
  let finished = false
  const p = startPeriodic({
    name: 'test',
    plan: async () => ({ action: 'run' }),
    async run(signal) {
      runs++
      while (!signal.aborted) await sleep(10)
      sawAbort = true
      await sleep(50)
      finished = true
    },
  }, { log, now: () => new Date() })
  await sleep(50)
  await p.close()
  t.ok(sawAbort, 'the task saw the abort')
  t.ok(finished, 'close waited for it to end')
  await sleep(100)
  t.equal(runs, 1, 'no run after close')
})

t.test('an off task only looks again later, and a plan that throws is logged and retried', async t => {
  let plans = 0
  const p = startPeriodic({
    name: 'test',
    plan: async () => {
      plans++
      if (plans === 1) throw new Error('cannot read')
      return { action: 'off', ms: 10 }
    },
    run: async () => void t.fail('an off task never runs'),
  }, { log, now: () => new Date() })
  await sleep(20)
  t.equal(plans, 1, 'after a failed plan it waits (a minute) before looking again')
  await p.close()
  const q = startPeriodic({ name: 'off', plan: async () => { plans++; return { action: 'off', ms: 10 } }, run: async () => void t.fail('never') }, { log, now: () => new Date() })
  await sleep(100)
  await q.close()
  t.ok(plans > 3, 'an off task keeps looking (hub.yaml may change)')
})

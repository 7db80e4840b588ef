/**
 * `roost spoke schedule`: the tick decision (golden), the expression check, the scheduler on a
 * real node-cron clock with cycles that outlast a tick, fail, or find the lock taken; and the
 * built binary against a real hub every 2 seconds: generations accepted, no two cycles at once,
 * SIGTERM waits for the running cycle and exits 0, a bad or missing `schedule` exits 2.
 */
import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { pino } from 'pino'
import { RoostError } from '../../lib/errors.js'
import { checkSchedule, decideTick, startScheduler } from '../../spoke/schedule.js'
import { ROOST, roost, startHub, waitFor, spawnRoost } from '../helpers/roost.js'
import { makeServiceTree } from '../helpers/fixtures.js'

type Line = Record<string, unknown> & { msg: string; level: number; time: number }

function capture(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = []
  const log = pino({ level: 'debug', base: undefined }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) })
  return { log, lines }
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

/** True when no two [start, end] intervals overlap. */
function disjoint(spans: [number, number][]): boolean {
  const s = [...spans].sort((a, b) => a[0] - b[0])
  return s.every((x, i) => i === 0 || s[i - 1]![1] <= x[0])
}

t.test('a tick runs a cycle only when none is running and the scheduler is not stopping (golden)', async t => {
  const since = new Date('2026-11-22T03:00:00Z')
  const plan = {
    idle: decideTick({ runningSince: undefined, stopping: false }),
    'a cycle running': decideTick({ runningSince: since, stopping: false }),
    stopping: decideTick({ runningSince: undefined, stopping: true }),
    'stopping with a cycle running': decideTick({ runningSince: since, stopping: true }),
  }
  t.matchSnapshot(plan, 'tick decisions')
  t.same(plan.idle, { action: 'run' })
  t.equal(plan['a cycle running'].action, 'skip')
  t.match(plan['a cycle running'], { reason: /2026-11-22T03:00:00.000Z is still running/ })
  t.equal(plan.stopping.action, 'skip')
})

t.test('the schedule must be a valid cron expression; the error names the key and the file', async t => {
  t.equal(checkSchedule('15 3 * * *', '/etc/roost/spoke.yaml'), '15 3 * * *')
  t.equal(checkSchedule('*/2 * * * * *', '/etc/roost/spoke.yaml'), '*/2 * * * * *', 'six fields: seconds first')
  t.throws(() => checkSchedule(undefined, '/etc/roost/spoke.yaml'), { code: 'CONFIG_INVALID', exitCode: 2, message: /^spoke\.yaml: at 'schedule': missing/ })
  t.throws(() => checkSchedule('61 * * * *', '/x/spoke.yaml'), { code: 'CONFIG_INVALID', message: /^spoke\.yaml: at 'schedule': '61 \* \* \* \*' is not a valid cron expression: .*minute/ })
  t.throws(() => checkSchedule('every day', '/x/spoke.yaml'), { code: 'CONFIG_INVALID', message: /expected 5 or 6 fields/ })
})

t.test('the scheduler never overlaps cycles, logs skipped, failed and locked ticks, and stop waits for the running cycle', async t => {
  const { log, lines } = capture()
  const spans: [number, number][] = []
  let calls = 0
  let fourthStarted = false
  const s = startScheduler<number>({
    expression: '* * * * * *',
    log,
    describe: n => ({ call: n }),
    runOne: async () => {
      const n = ++calls
      const span: [number, number] = [Date.now(), NaN]
      spans.push(span)
      try {
        if (n === 1) await sleep(2300) // outlasts two ticks
        if (n === 2) throw new RoostError('UPLOAD_FAILED', 'the hub went away')
        if (n === 3) throw new RoostError('LOCKED', 'another run (pid 1) is in progress')
        if (n === 4) {
          fourthStarted = true
          await sleep(1500)
        }
        return n
      } finally {
        span[1] = Date.now()
      }
    },
  })
  t.teardown(() => s.stop())
  await waitFor(() => fourthStarted, 15_000, 'the fourth cycle')
  t.ok(s.busy(), 'a cycle is running')
  await s.stop()
  const stoppedAt = Date.now()
  t.notOk(s.busy(), 'stop resolved after the running cycle ended')
  t.ok(spans[3]![1] <= stoppedAt, 'the fourth cycle ended before stop resolved')
  await sleep(1200)
  t.equal(calls, 4, 'no tick after stop')
  t.ok(disjoint(spans), 'no two cycles overlapped')

  const ticks = lines.filter(l => l.msg === 'tick')
  const results = ticks.map(l => l.result)
  t.same(results.filter(r => r !== 'skipped'), ['done', 'failed', 'locked', 'done'], 'one line per cycle with its result')
  t.ok(results.filter(r => r === 'skipped').length >= 1, 'ticks during the long cycle were skipped')
  t.match(ticks.find(l => l.result === 'skipped'), { level: 40, reason: /is still running/ })
  t.match(ticks.find(l => l.result === 'failed'), { level: 50, code: 'UPLOAD_FAILED', err: { message: 'the hub went away' } })
  t.match(ticks.find(l => l.result === 'locked'), { level: 40, code: 'LOCKED' })
  t.match(ticks.find(l => l.result === 'done'), { level: 30, call: 1 })
  t.same(s.stats, { ticks: results.length, done: 2, failed: 1, locked: 1, skipped: results.filter(r => r === 'skipped').length })
})

const SVC = 'wiki'

t.test('spoke schedule against a real hub: cycles every 2 s, never overlapping; SIGTERM waits and exits 0; a bad schedule exits 2', async t => {
  const dir = t.testdir()
  const data = join(dir, 'srv', SVC)
  await makeServiceTree(data, { seed: SVC, largeBytes: 1024 * 1024 })
  const hubRoot = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const hub = await startHub(hubRoot)
  t.teardown(() => hub.stop())
  const spokeDir = join(dir, 'spoke')
  const config = join(spokeDir, 'spoke.yaml')
  const init = await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${hub.port}`, '--source', data, '--dir', spokeDir, '--json'])
  t.equal(init.exitCode, 0, init.stderr)
  const add = await roost(['hub', 'add-service', SVC, '--key', (JSON.parse(init.stdout) as { key: { line: string } }).key.line, '--config', join(hubRoot, 'hub.yaml')])
  t.equal(add.exitCode, 0, add.stderr)
  const base = await fs.readFile(config, 'utf8')

  const missing = await roost(['spoke', 'schedule', '--config', config])
  t.equal(missing.exitCode, 2, 'no schedule in spoke.yaml: exit 2')
  t.match(missing.stderr, /spoke\.yaml: at 'schedule': missing.*\[CONFIG_INVALID\]/)
  await fs.writeFile(config, base + "schedule: '*/2 * * * *  *  *'\n")
  const invalid = await roost(['spoke', 'schedule', '--config', config])
  t.equal(invalid.exitCode, 2, 'an invalid expression: exit 2')
  t.match(invalid.stderr, /spoke\.yaml: at 'schedule': '\*\/2 \* \* \* \*  \*  \*' is not a valid cron expression.*\[CONFIG_INVALID\]/)

  // each cycle sleeps 3 s in a pre hook, so ticks come while one runs; a live run holds the lock first
  await fs.writeFile(config, base.replace('pre: []', "pre:\n    - name: slow\n      run: [sleep, '3']") + "schedule: '*/2 * * * * *'\n")
  await fs.mkdir(join(spokeDir, 'state'), { recursive: true })
  await fs.writeFile(join(spokeDir, 'state', 'lock'), `${process.pid}\n`)
  let logs = ''
  const child = spawnRoost(['spoke', 'schedule', '--config', config, '--json'], { reject: false, env: { ROOST_LOG_LEVEL: 'info' }, stdin: 'ignore', forceKillAfterDelay: false }) // execa would SIGKILL 5 s after our SIGTERM; the cycle it waits for may take longer
  t.teardown(() => void child.kill('SIGKILL'))
  child.stderr?.on('data', (d: Buffer) => void (logs += d.toString()))
  const lines = (): Line[] => logs.split('\n').flatMap(l => (l.startsWith('{') ? [JSON.parse(l) as Line] : []))
  const ticks = (result: string): Line[] => lines().filter(l => l.msg === 'tick' && l.result === result)
  await waitFor(() => ticks('locked').length > 0, 20_000, 'a tick that finds the lock taken')
  await fs.rm(join(spokeDir, 'state', 'lock'))
  await waitFor(() => ticks('done').length >= 2, 45_000, 'two accepted generations')
  // SIGTERM while the next cycle runs: it is finished, then the scheduler exits
  const lastDone = ticks('done').at(-1)!.time
  await waitFor(() => lines().some(l => l.msg === 'lock taken' && l.time > lastDone), 10_000, 'the next cycle to start')
  child.kill('SIGTERM')
  const r = await child
  t.equal(r.exitCode, 0, 'exit 0 on SIGTERM', { logs: logs.slice(-3000), signal: r.signal, stdout: String(r.stdout) })
  t.match(lines().find(l => l.msg === 'scheduler stopping'), { stoppedBy: 'SIGTERM', waiting: true }, 'SIGTERM came while a cycle ran')

  const summary = JSON.parse(String(r.stdout)) as { stoppedBy: string; done: number; failed: number; locked: number; skipped: number }
  t.equal(summary.stoppedBy, 'SIGTERM')
  t.ok(summary.locked >= 1, 'the tick that found the lock taken was logged, not fatal')
  t.equal(summary.failed, 0, 'no cycle failed')
  t.ok(summary.skipped >= 1, 'ticks that came while a cycle ran were skipped')
  const done = ticks('done')
  t.equal(summary.done, done.length, 'one tick line per cycle done')
  t.ok(done.length >= 3, 'the cycle running at SIGTERM was finished')
  t.ok(done.at(-1)!.time <= lines().find(l => l.msg === 'scheduler stopped')!.time, 'before the scheduler stopped')
  t.ok(disjoint(done.map(l => [l.time - Number(l.ms), l.time])), 'no two cycles overlapped')
  t.same(done.map(l => l.kind), ['full', ...done.slice(1).map(() => 'incr')], "each cycle made what spoke.yaml's policy asks: a full, then incrs")
  const stored = (await fs.readdir(join(hubRoot, 'store', SVC))).filter(n => /^\d{8}T\d{6}Z-/.test(n)).sort()
  t.same(stored, done.map(l => String(l.generation)).sort(), 'every cycle done is a generation in the hub store')
  await t.rejects(fs.stat(join(spokeDir, 'state', 'lock')), { code: 'ENOENT' }, 'the lock is released')
})

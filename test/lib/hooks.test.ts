import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { planHooks, runHooks, hookFailures } from '../../lib/hooks.js'
import { silentLogger } from '../../lib/log.js'

const hooks = [
  { name: 'dump the database', run: ['sh', '-c', 'echo dump'], timeout: 1_800_000 },
  { name: 'maintenance on', run: ['wiki-maintenance', 'on'], timeout: 60_000 },
]

t.test('a phase plan (golden)', async t => {
  t.matchSnapshot(planHooks(hooks, 'pre', { service: 'wiki', generation: '20261122T030000Z-full' }), 'pre plan')
  t.matchSnapshot(planHooks(hooks.slice(1), 'post', { service: 'wiki', generation: '20261122T030000Z-full', result: 'failed' }), 'post plan')
})

t.test('pre hooks stop at the first failure; post hooks all run', async t => {
  const dir = t.testdir()
  const touch = (n: string) => ['sh', '-c', `touch ${join(dir, n)}`]
  const list = [
    { name: 'one', run: touch('one'), timeout: 10_000 },
    { name: 'fails', run: ['sh', '-c', 'echo broken >&2; exit 3'], timeout: 10_000 },
    { name: 'three', run: touch('three'), timeout: 10_000 },
  ]
  const ctx = { service: 'wiki', generation: '20261122T030000Z-full' }
  const pre = await runHooks(planHooks(list, 'pre', ctx), silentLogger())
  t.same(pre.map(r => [r.name, r.exitCode, r.ok]), [['one', 0, true], ['fails', 3, false]])
  t.match(pre[1]!.error, /broken/)
  await t.rejects(fs.stat(join(dir, 'three')), 'the pre hook after the failure did not run')
  const post = await runHooks(planHooks(list, 'post', ctx), silentLogger())
  t.equal(post.length, 3)
  t.ok(await fs.stat(join(dir, 'three')), 'the post hook after the failure ran')
  t.match(hookFailures(post), /^post hook 'fails' exited 3: broken$/)
  t.equal(hookFailures(post.filter(r => r.ok)), undefined)
})

t.test('a hook that outlives its timeout, or cannot start, fails with no exit code', async t => {
  const ctx = { service: 'wiki', generation: '20261122T030000Z-full' }
  const [slow] = await runHooks(planHooks([{ name: 'slow', run: ['sleep', '5'], timeout: 200 }], 'pre', ctx), silentLogger())
  t.equal(slow!.exitCode, null)
  t.match(slow!.error, /timed out/)
  t.ok(slow!.ms < 4000)
  const [missing] = await runHooks(planHooks([{ name: 'missing', run: ['/nonexistent/tool'], timeout: 1000 }], 'pre', ctx), silentLogger())
  t.equal(missing!.ok, false)
  t.equal(missing!.exitCode, null)
})

t.test('hooks are told the service, generation and phase in their environment', async t => {
  const out = join(t.testdir(), 'env')
  const plan = planHooks([{ name: 'env', run: ['sh', '-c', `env > ${out}`], timeout: 10_000 }], 'post', { service: 'wiki', generation: '20261122T030000Z-full', result: 'ok' })
  await runHooks(plan, silentLogger())
  const env = await fs.readFile(out, 'utf8')
  t.match(env, /^ROOST_SERVICE=wiki$/m)
  t.match(env, /^ROOST_GENERATION=20261122T030000Z-full$/m)
  t.match(env, /^ROOST_PHASE=post$/m)
  t.match(env, /^ROOST_RESULT=ok$/m)
})

t.test("a hook's own env is passed; ROOST_* are roost's; the kind is told", async t => {
  const out = join(t.testdir(), 'env')
  const hook = { name: 'env', run: ['sh', '-c', `env > ${out}`], timeout: 10_000, env: { PGPORT: '5433' } }
  await runHooks(planHooks([hook], 'pre', { service: 'db', generation: '20261122T030000Z-incr', kind: 'incr' }), silentLogger())
  const env = await fs.readFile(out, 'utf8')
  t.match(env, /^PGPORT=5433$/m)
  t.match(env, /^ROOST_KIND=incr$/m)
  t.notMatch(env, /^ROOST_RESULT=/m, 'pre hooks are not told a result')
})

t.test('restore hooks are told the restore folder and stop at the first failure', async t => {
  const dir = t.testdir()
  const ctx = { service: 'db', generation: '20261122T030000Z-full', kind: 'full', restoreDir: dir }
  const list = [
    { name: 'load', run: ['sh', '-c', 'test "$ROOST_RESTORE_DIR" = "$1" && test "$ROOST_PHASE" = restore', 'sh', dir], timeout: 10_000 },
    { name: 'fails', run: ['false'], timeout: 10_000 },
    { name: 'restart', run: ['sh', '-c', `touch ${join(dir, 'restarted')}`], timeout: 10_000 },
  ]
  const runs = await runHooks(planHooks(list, 'restore', ctx), silentLogger())
  t.same(runs.map(r => [r.name, r.exitCode, r.ok]), [['load', 0, true], ['fails', 1, false]])
  await t.rejects(fs.stat(join(dir, 'restarted')))
  t.match(hookFailures(runs), /^restore hook 'fails' exited 1$/)
})

t.test("a timeout ends the hook's whole process group, not only the shell", async t => {
  const dir = t.testdir()
  const pidFile = join(dir, 'pid')
  const hook = { name: 'stuck dump', run: ['sh', '-c', `sleep 60 & echo $! > ${pidFile}; wait`], timeout: 300 }
  const [r] = await runHooks(planHooks([hook], 'pre', { service: 'db', generation: '20261122T030000Z-full' }), silentLogger())
  t.equal(r!.ok, false)
  t.match(r!.error, /timed out after 300 ms/)
  const pid = Number(await fs.readFile(pidFile, 'utf8'))
  const alive = (): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  for (let i = 0; i < 50 && alive(); i++) await new Promise(res => setTimeout(res, 50))
  t.equal(alive(), false, "the hook's background child is gone too")
})

t.test("a hook's output is kept as a bounded tail however much it prints", async t => {
  const lines: string[] = []
  const log = { info: (o: { stdout?: string }) => o.stdout && lines.push(o.stdout), error: () => {}, warn: () => {}, debug: () => {} }
  const hook = { name: 'chatty', run: ['sh', '-c', 'head -c 20000000 /dev/zero | tr "\\0" x; echo; echo last line'], timeout: 30_000 }
  const [r] = await runHooks(planHooks([hook], 'pre', { service: 'db', generation: '20261122T030000Z-full' }), log as never)
  t.equal(r!.ok, true)
  t.equal(lines.length, 1)
  t.ok(lines[0]!.length <= 8192, `logged ${lines[0]!.length} chars of 20 MB`)
  t.match(lines[0], /last line$/)
})

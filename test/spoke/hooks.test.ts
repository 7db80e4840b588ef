import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { planHooks, runHooks, hookFailures } from '../../spoke/hooks.js'
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

import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { acquireLock, decideLock, UNREADABLE_LOCK_GRACE_MS } from '../../spoke/lock.js'

t.test('the take-over decision (golden)', async t => {
  const self = 1000
  const cases = {
    'a live other run': { pid: 42, alive: true, ageMs: 5, self },
    'a dead run': { pid: 42, alive: false, ageMs: 999_999, self },
    'our own pid': { pid: self, alive: true, ageMs: 5, self },
    'no pid, just written': { pid: undefined, alive: false, ageMs: 10, self },
    'no pid, old': { pid: undefined, alive: false, ageMs: UNREADABLE_LOCK_GRACE_MS + 1, self },
  }
  const plan = Object.fromEntries(Object.entries(cases).map(([k, f]) => [k, decideLock(f)]))
  t.matchSnapshot(plan, 'lock decisions')
  t.equal(plan['a live other run']!.action, 'refuse')
  t.equal(plan['a dead run']!.action, 'take-over')
})

t.test('a lock is exclusive, refused while its holder lives, and released by its owner only', async t => {
  const lock = join(t.testdir(), 'lock')
  const held = await acquireLock(lock)
  t.equal((await fs.readFile(lock, 'utf8')).trim(), String(process.pid))
  await fs.writeFile(lock, '1\n') // pid 1 always lives
  await t.rejects(acquireLock(lock), { code: 'LOCKED', exitCode: 1, message: /pid 1\b/ })
  await held.release()
  t.ok(await fs.stat(lock), 'release leaves a lock it no longer owns')
  await fs.rm(lock)
  const again = await acquireLock(lock)
  await again.release()
  await t.rejects(fs.stat(lock), { code: 'ENOENT' }, 'release removes its own lock')
})

t.test('a stale lock whose process is dead is taken over', async t => {
  const lock = join(t.testdir(), 'lock')
  const dead = Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"']).toString().trim())
  await fs.writeFile(lock, `${dead}\n`)
  const held = await acquireLock(lock)
  t.match(held.tookOver, /is gone/)
  t.equal((await fs.readFile(lock, 'utf8')).trim(), String(process.pid))
  await held.release()
})

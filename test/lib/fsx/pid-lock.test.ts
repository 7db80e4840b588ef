import t from 'tap'
import { promises as fs } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { acquirePidLock, judgePidLock, pidLockReason, UNREADABLE_PID_LOCK_GRACE_MS, withPidLock, type PidLockWords } from '../../../lib/fsx/pid-lock.js'
import { isRoostError } from '../../../lib/errors.js'

const WORDS: PidLockWords = {
  'being-written': 'being written',
  'no-pid-old': 'no pid, old',
  'own-pid': 'our own pid',
  dead: pid => `pid ${pid} is gone`,
  live: pid => `pid ${pid} holds it`,
}
const OPTS = { words: WORDS, hint: 'wait' }
/** A pid that just exited. */
const deadPid = (): number => spawnSync('true').pid!

t.test('judgePidLock: a dead holder, our own pid or an old unreadable file may be taken over; a live one or a fresh unreadable file may not', async t => {
  const self = 100
  t.same(judgePidLock({ pid: 200, alive: true, ageMs: 5, self }), { holder: 'live', takeOver: false })
  t.same(judgePidLock({ pid: 200, alive: false, ageMs: 5, self }), { holder: 'dead', takeOver: true })
  t.same(judgePidLock({ pid: self, alive: true, ageMs: 5, self }), { holder: 'own-pid', takeOver: true })
  t.same(judgePidLock({ pid: undefined, alive: false, ageMs: 5, self }), { holder: 'being-written', takeOver: false })
  t.same(judgePidLock({ pid: undefined, alive: false, ageMs: UNREADABLE_PID_LOCK_GRACE_MS + 1, self }), { holder: 'no-pid-old', takeOver: true })
  t.same(pidLockReason({ pid: 200, alive: true, ageMs: 5, self }, WORDS), { takeOver: false, reason: 'pid 200 holds it' }, 'in the caller\'s words')
})

t.test('a stale lock whose process is dead is taken over, and says why', async t => {
  const path = join(t.testdir(), 'lock')
  const dead = deadPid()
  await fs.writeFile(path, `${dead}\n`)
  const held = await acquirePidLock(path, OPTS)
  t.equal(held.tookOver, `pid ${dead} is gone`)
  t.equal((await fs.readFile(path, 'utf8')).trim(), String(process.pid), 'the file now holds our pid')
  await held.release()
  await t.rejects(fs.stat(path), { code: 'ENOENT' }, 'released')
})

t.test('a live holder refuses at once with LOCKED and the hint, or after waitMs', async t => {
  const path = join(t.testdir(), 'lock')
  await fs.writeFile(path, '1\n') // pid 1 always lives
  const err = await acquirePidLock(path, OPTS).catch(e => e)
  t.ok(isRoostError(err, 'LOCKED'), 'LOCKED')
  t.match(err, { exitCode: 1, message: `${path}: pid 1 holds it`, hint: 'wait' })
  const started = Date.now()
  await t.rejects(acquirePidLock(path, { ...OPTS, waitMs: 250 }), { code: 'LOCKED' })
  t.ok(Date.now() - started >= 250, 'after waiting')
  setTimeout(() => void fs.rm(path), 150) // the holder finishes while we wait
  const held = await acquirePidLock(path, { ...OPTS, waitMs: 5000 })
  t.equal(held.tookOver, undefined, 'taken once free, not taken over')
  await held.release()
})

t.test('release removes only a lock that still holds our pid', async t => {
  const path = join(t.testdir(), 'lock')
  const held = await acquirePidLock(path, OPTS)
  await fs.writeFile(path, '1\n') // someone else's now
  await held.release()
  t.equal((await fs.readFile(path, 'utf8')).trim(), '1', 'left alone')
})

t.test('withPidLock: holders in one process take turns, and the lock is released afterwards, also when the holder throws', async t => {
  const path = join(t.testdir(), 'sub', 'lock')
  const order: string[] = []
  const hold = (name: string, ms: number) =>
    withPidLock(path, async () => {
      order.push(`${name} in`)
      await new Promise(r => setTimeout(r, ms))
      order.push(`${name} out`)
      return name
    }, { ...OPTS, before: () => fs.mkdir(join(path, '..'), { recursive: true }) })
  t.same(await Promise.all([hold('a', 40), hold('b', 1)]), ['a', 'b'])
  t.same(order, ['a in', 'a out', 'b in', 'b out'])
  await t.rejects(fs.stat(path), { code: 'ENOENT' }, 'released')
  await t.rejects(withPidLock(path, async () => { throw new Error('boom') }, OPTS), /boom/)
  await t.rejects(fs.stat(path), { code: 'ENOENT' }, 'released when the holder throws')
})

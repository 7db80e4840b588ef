import t from 'tap'
import { promises as fs } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { decideStoreLock, STORE_LOCK, UNREADABLE_GRACE_MS, withStoreLock } from '../../hub/store-lock.js'
import { isRoostError } from '../../lib/errors.js'
import type { HubPaths } from '../../lib/config/hub.js'

function hubAt(root: string): HubPaths {
  return { config: join(root, 'hub.yaml'), root, hostKey: '', indexKey: '', accounts: join(root, 'accounts'), store: join(root, 'store'), rejected: join(root, 'rejected'), staging: join(root, 'staging'), state: join(root, 'state') }
}

t.test('decideStoreLock: a dead holder, our own pid or an old unreadable file is taken over; a live one is waited for', async t => {
  const self = 100
  t.equal(decideStoreLock({ pid: 200, alive: true, ageMs: 5, self }).action, 'wait')
  t.equal(decideStoreLock({ pid: 200, alive: false, ageMs: 5, self }).action, 'take-over')
  t.equal(decideStoreLock({ pid: self, alive: true, ageMs: 5, self }).action, 'take-over')
  t.equal(decideStoreLock({ pid: undefined, alive: false, ageMs: 5, self }).action, 'wait')
  t.equal(decideStoreLock({ pid: undefined, alive: false, ageMs: UNREADABLE_GRACE_MS + 1, self }).action, 'take-over')
  t.match(decideStoreLock({ pid: 200, alive: true, ageMs: 5, self }).reason, /pid 200/)
})

t.test('holders in one process take turns, and the lock file is gone afterwards', async t => {
  const paths = hubAt(t.testdir())
  const order: string[] = []
  const hold = (name: string, ms: number) =>
    withStoreLock(paths, async () => {
      order.push(`${name} in`)
      t.equal((await fs.readFile(join(paths.state, STORE_LOCK), 'utf8')).trim(), String(process.pid), 'the file holds our pid')
      await new Promise(r => setTimeout(r, ms))
      order.push(`${name} out`)
      return name
    })
  t.same(await Promise.all([hold('a', 50), hold('b', 1), hold('c', 1)]), ['a', 'b', 'c'])
  t.same(order, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out'])
  await t.rejects(fs.stat(join(paths.state, STORE_LOCK)), 'released')
  await t.rejects(withStoreLock(paths, async () => { throw new Error('boom') }), /boom/)
  await t.rejects(fs.stat(join(paths.state, STORE_LOCK)), 'released when the holder throws')
})

t.test('a lock held by another live process is waited for, then refused with LOCKED', async t => {
  const paths = hubAt(t.testdir())
  await fs.mkdir(paths.state, { recursive: true })
  await fs.writeFile(join(paths.state, STORE_LOCK), `${process.ppid}\n`)
  const started = Date.now()
  const err = await withStoreLock(paths, async () => 'ran', { waitMs: 300 }).catch(e => e)
  t.ok(isRoostError(err, 'LOCKED'), 'LOCKED')
  t.match(err.message, new RegExp(`pid ${process.ppid}`))
  t.ok(Date.now() - started >= 300, 'after waiting')
  // the holder finishes while we wait: we get it
  setTimeout(() => void fs.rm(join(paths.state, STORE_LOCK)), 200)
  t.equal(await withStoreLock(paths, async () => 'ran', { waitMs: 5000 }), 'ran')
})

t.test("a dead process's lock is taken over", async t => {
  const paths = hubAt(t.testdir())
  await fs.mkdir(paths.state, { recursive: true })
  const dead = spawnSync('true').pid
  await fs.writeFile(join(paths.state, STORE_LOCK), `${dead}\n`)
  t.equal(await withStoreLock(paths, async () => 'ran', { waitMs: 0 }), 'ran')
})

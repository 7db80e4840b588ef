import t from 'tap'
import { promises as fs } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { acquireLock, pidAlive } from '../../mirror/lock.js'

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(r.stdout.toString())
}

t.test('one holder at a time; released on request', async t => {
  const path = join(t.testdir(), 'lock')
  const lock = await acquireLock(path)
  t.equal((await fs.readFile(path, 'utf8')).trim(), String(process.pid))
  await fs.writeFile(path, `${process.ppid}\n`) // pretend a live process holds it
  await t.rejects(acquireLock(path), { code: 'LOCKED', message: new RegExp(`pid ${process.ppid}`) })
  await fs.writeFile(path, `${process.pid}\n`)
  await lock.release()
  t.rejects(fs.stat(path), 'lock file removed')
})

t.test('a lock left by a dead process is taken over', async t => {
  const path = join(t.testdir(), 'lock')
  const dead = deadPid()
  t.equal(pidAlive(dead), false)
  await fs.writeFile(path, `${dead}\n`)
  const lock = await acquireLock(path)
  t.equal((await fs.readFile(path, 'utf8')).trim(), String(process.pid))
  await lock.release()
  t.same((await fs.readdir(join(path, '..'))).filter(n => n.startsWith('lock')), [], 'no stale copies left')
})

t.test('release leaves a lock someone else took alone', async t => {
  const path = join(t.testdir(), 'lock')
  const lock = await acquireLock(path)
  await fs.writeFile(path, `${process.ppid}\n`)
  await lock.release()
  t.equal((await fs.readFile(path, 'utf8')).trim(), String(process.ppid))
})

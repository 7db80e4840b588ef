/**
 * One sync at a time per mirror: a pid file at `state/lock`, created exclusively. A lock
 * whose process is gone (a sync killed with SIGKILL, a reboot) is stale and taken over:
 * it is first renamed to a name of our own, so of two processes racing for a stale lock
 * only one wins, and a lock that changed hands meanwhile is put back untouched.
 */
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { RoostError } from '../lib/errors.js'

export interface Lock {
  path: string
  release(): Promise<void>
}

/** True when a process with this pid exists (ours to signal or not). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    await fs.writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

async function readPid(path: string): Promise<string | undefined> {
  return fs.readFile(path, 'utf8').catch(() => undefined)
}

/** Moves a stale lock aside; false when someone else changed it first. */
async function takeOverStale(path: string, seen: string): Promise<boolean> {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`
  try {
    await fs.rename(path, aside)
  } catch {
    return false
  }
  if ((await readPid(aside)) !== seen) {
    await fs.link(aside, path).catch(() => {}) // put a live lock back (never over a newer one)
    await fs.rm(aside, { force: true })
    return false
  }
  await fs.rm(aside, { force: true })
  return true
}

/** Takes the lock or throws LOCKED naming the pid that holds it. */
export async function acquireLock(path: string, what = 'mirror sync or verify'): Promise<Lock> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(path)) {
      return {
        path,
        release: async () => {
          if ((await readPid(path))?.trim() === String(process.pid)) await fs.rm(path, { force: true })
        },
      }
    }
    const seen = await readPid(path)
    if (seen === undefined) continue // released meanwhile
    const pid = Number.parseInt(seen, 10)
    if (pidAlive(pid) && pid !== process.pid) {
      throw new RoostError('LOCKED', `another ${what} is running (pid ${pid}, lock ${path})`, { hint: 'wait for it to finish; a lock left by a dead process is taken over automatically' })
    }
    await takeOverStale(path, seen)
  }
  throw new RoostError('LOCKED', `could not take the lock ${path}`, { hint: 'another process keeps changing it' })
}

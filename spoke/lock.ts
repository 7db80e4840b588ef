/**
 * One run at a time per service: `state/lock` is created with O_EXCL and holds the pid of
 * the run that owns it. A lock whose pid is dead is taken over; a live one refuses (LOCKED).
 * `decideLock` is the pure decision; `acquireLock` is the thin I/O around it.
 */
import { promises as fs } from 'node:fs'
import { RoostError } from '../lib/errors.js'

/** What is known about an existing lock file. */
export interface LockFacts {
  /** The pid written in the file, or undefined when it holds no number. */
  pid: number | undefined
  /** Whether a process with that pid exists. */
  alive: boolean
  /** Age of the lock file in milliseconds. */
  ageMs: number
  /** Our own pid. */
  self: number
}

export type LockDecision = { action: 'take-over'; reason: string } | { action: 'refuse'; reason: string }

/** A lock without a pid is young only while its owner may still be writing the pid. */
export const UNREADABLE_LOCK_GRACE_MS = 10_000

/**
 * Decides what to do with a lock file that already exists. Pure.
 * A dead owner (or an unreadable file older than the grace time) is taken over; a live one refuses.
 */
export function decideLock(f: LockFacts): LockDecision {
  if (f.pid === undefined) {
    return f.ageMs > UNREADABLE_LOCK_GRACE_MS
      ? { action: 'take-over', reason: 'the lock file holds no pid and is old' }
      : { action: 'refuse', reason: 'the lock file is being written by another run' }
  }
  if (f.pid === f.self) return { action: 'take-over', reason: 'the lock holds our own pid (left by an earlier process with it)' }
  if (!f.alive) return { action: 'take-over', reason: `the run that held it (pid ${f.pid}) is gone` }
  return { action: 'refuse', reason: `another run (pid ${f.pid}) is in progress` }
}

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parsePid(text: string): number | undefined {
  const n = Number(text.trim())
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

async function tryCreate(path: string, pid: number): Promise<boolean> {
  try {
    const h = await fs.open(path, 'wx', 0o600)
    try {
      await h.writeFile(`${pid}\n`)
    } finally {
      await h.close()
    }
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

async function readFacts(path: string, self: number, now: number): Promise<LockFacts | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)])
    const pid = parsePid(text)
    return { pid, alive: pid !== undefined && pidAlive(pid), ageMs: now - st.mtimeMs, self }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export interface HeldLock {
  path: string
  /** Set when a stale lock was taken over: why. */
  tookOver?: string
  release(): Promise<void>
}

/**
 * Takes the lock at `path` for `pid`. Throws LOCKED naming the holder when another run is live.
 * `release` removes the file only while it still holds our pid.
 */
export async function acquireLock(path: string, pid = process.pid): Promise<HeldLock> {
  let tookOver: string | undefined
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path, pid)) return heldLock(path, pid, tookOver)
    const facts = await readFacts(path, pid, Date.now())
    if (!facts) continue // removed in between: try again
    const d = decideLock(facts)
    if (d.action === 'refuse') {
      throw new RoostError('LOCKED', `${path}: ${d.reason}`, { hint: 'wait for it to finish; a lock whose process has died is taken over automatically' })
    }
    tookOver = d.reason
    await fs.rm(path, { force: true })
  }
  throw new RoostError('LOCKED', `${path}: could not take the lock (another run keeps taking it)`)
}

function heldLock(path: string, pid: number, tookOver: string | undefined): HeldLock {
  return {
    path,
    ...(tookOver ? { tookOver } : {}),
    release: async () => {
      const text = await fs.readFile(path, 'utf8').catch(() => '')
      if (parsePid(text) === pid) await fs.rm(path, { force: true })
    },
  }
}

/**
 * One run at a time per service: `state/lock` is a pid-file lock (lib/fsx/pid-lock.ts). A
 * lock whose pid is dead is taken over; a live one refuses at once (LOCKED). `decideLock` is
 * the pure decision in the spoke's words; `acquireLock` takes the lock.
 */
import { acquirePidLock, pidLockReason, UNREADABLE_PID_LOCK_GRACE_MS, type HeldPidLock, type PidLockFacts, type PidLockWords } from '../lib/fsx/pid-lock.js'

export { pidAlive } from '../lib/fsx/pid-lock.js'

/** What is known about an existing lock file. */
export type LockFacts = PidLockFacts

export type LockDecision = { action: 'take-over'; reason: string } | { action: 'refuse'; reason: string }

/** A lock without a pid is young only while its owner may still be writing the pid. */
export const UNREADABLE_LOCK_GRACE_MS = UNREADABLE_PID_LOCK_GRACE_MS

const WORDS: PidLockWords = {
  'being-written': 'the lock file is being written by another run',
  'no-pid-old': 'the lock file holds no pid and is old',
  'own-pid': 'the lock holds our own pid (left by an earlier process with it)',
  dead: pid => `the run that held it (pid ${pid}) is gone`,
  live: pid => `another run (pid ${pid}) is in progress`,
}

/**
 * Decides what to do with a lock file that already exists. Pure.
 * A dead owner (or an unreadable file older than the grace time) is taken over; a live one refuses.
 */
export function decideLock(f: LockFacts): LockDecision {
  const d = pidLockReason(f, WORDS)
  return { action: d.takeOver ? 'take-over' : 'refuse', reason: d.reason }
}

export type HeldLock = HeldPidLock

/**
 * Takes the lock at `path` for `pid`. Throws LOCKED naming the holder when another run is live.
 * `release` removes the file only while it still holds our pid.
 */
export async function acquireLock(path: string, pid = process.pid): Promise<HeldLock> {
  return acquirePidLock(path, {
    pid,
    words: WORDS,
    hint: 'wait for it to finish; a lock whose process has died is taken over automatically',
    attempts: 3,
    churn: 'could not take the lock (another run keeps taking it)',
  })
}

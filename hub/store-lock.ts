/**
 * The hub-wide store lock, `state/store.lock`: whatever changes what the store holds (an
 * ingest's commit and clean-up, a prune, pin/unpin/reset) holds it, so `roost hub prune`
 * run by hand never interleaves with the daemon's accepts. It is a pid-file lock
 * (lib/fsx/pid-lock.ts): a lock whose process is dead is taken over; a live holder in another
 * process is waited for; holders inside one process queue first. `decideStoreLock` is the
 * pure decision in the hub's words.
 */
import { join } from 'node:path'
import { ensureDir } from '../lib/fsx/atomic.js'
import { pidLockReason, UNREADABLE_PID_LOCK_GRACE_MS, withPidLock, type PidLockFacts, type PidLockWords } from '../lib/fsx/pid-lock.js'
import type { HubPaths } from '../lib/config/hub.js'

export const STORE_LOCK = 'store.lock'

/** A lock file without a pid is young only while its owner may still be writing the pid. */
export const UNREADABLE_GRACE_MS = UNREADABLE_PID_LOCK_GRACE_MS

export type StoreLockFacts = PidLockFacts

const WORDS: PidLockWords = {
  'being-written': 'the lock file is being written',
  'no-pid-old': 'the lock file holds no pid and is old',
  'own-pid': 'the lock holds our own pid (a leftover: this process queues its own holders)',
  dead: pid => `its holder (pid ${pid}) is gone`,
  live: pid => `another roost process (pid ${pid}) is changing the store`,
}

/** Take over a dead owner's lock, our own pid's leftover, or an old unreadable file; else wait. Pure. */
export function decideStoreLock(f: StoreLockFacts): { action: 'take-over' | 'wait'; reason: string } {
  const d = pidLockReason(f, WORDS)
  return { action: d.takeOver ? 'take-over' : 'wait', reason: d.reason }
}

export interface StoreLockOptions {
  /** How long to wait for another process's lock before failing with LOCKED (default 60 s). */
  waitMs?: number
}

/**
 * Runs `fn` holding the store lock, then releases it (also when `fn` throws). Waits up to
 * `waitMs` for another process; throws LOCKED after that. Not re-entrant: `fn` must not take it again.
 */
export async function withStoreLock<T>(paths: HubPaths, fn: () => Promise<T>, o: StoreLockOptions = {}): Promise<T> {
  return withPidLock(join(paths.state, STORE_LOCK), fn, {
    words: WORDS,
    hint: 'wait for it to finish and try again; a lock whose process has died is taken over',
    waitMs: o.waitMs ?? 60_000,
    before: () => ensureDir(paths.state),
  })
}

/**
 * A pid-file lock: the file is created with O_EXCL and holds the owner's pid. A lock whose
 * process is dead (or that holds our own pid, or no pid and is old) is taken over; a live
 * holder is waited for up to `waitMs` (0: refused at once) and then refused with LOCKED.
 * Inside one process, `withPidLock` holders of one path queue on a promise chain first, so
 * the pid alone tells owners apart. `judgePidLock` is the pure decision; each role words its
 * reasons (the spoke's run lock, the hub's store lock). The rest is thin I/O.
 */
import { promises as fs } from 'node:fs'
import { RoostError } from '../errors.js'

/** What is known about an existing lock file. */
export interface PidLockFacts {
  /** The pid written in the file, or undefined when it holds no number. */
  pid: number | undefined
  /** Whether a process with that pid exists. */
  alive: boolean
  /** Age of the lock file in milliseconds. */
  ageMs: number
  /** Our own pid. */
  self: number
}

/** A lock file without a pid is young only while its owner may still be writing the pid. */
export const UNREADABLE_PID_LOCK_GRACE_MS = 10_000

/** Who holds an existing lock, as far as the facts tell. */
export type PidLockHolder = 'being-written' | 'no-pid-old' | 'own-pid' | 'dead' | 'live'

/** Classifies an existing lock and says whether it may be taken over. Pure. */
export function judgePidLock(f: PidLockFacts): { holder: PidLockHolder; takeOver: boolean } {
  if (f.pid === undefined) return f.ageMs > UNREADABLE_PID_LOCK_GRACE_MS ? { holder: 'no-pid-old', takeOver: true } : { holder: 'being-written', takeOver: false }
  if (f.pid === f.self) return { holder: 'own-pid', takeOver: true }
  if (!f.alive) return { holder: 'dead', takeOver: true }
  return { holder: 'live', takeOver: false }
}

/** How a role explains each case to its user. */
export interface PidLockWords {
  'being-written': string
  'no-pid-old': string
  'own-pid': string
  dead(pid: number): string
  live(pid: number): string
}

/** The reason for a judgement, in the role's words. Pure. */
export function pidLockReason(f: PidLockFacts, words: PidLockWords): { takeOver: boolean; reason: string } {
  const { holder, takeOver } = judgePidLock(f)
  const reason = holder === 'dead' || holder === 'live' ? words[holder](f.pid!) : words[holder]
  return { takeOver, reason }
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

/** The facts about the lock file at `path`, or undefined when there is none. */
export async function readPidLockFacts(path: string, self: number, now: number): Promise<PidLockFacts | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)])
    const pid = parsePid(text)
    return { pid, alive: pid !== undefined && pidAlive(pid), ageMs: now - st.mtimeMs, self }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export interface PidLockOptions {
  words: PidLockWords
  /** The hint of the LOCKED error when a live holder refuses. */
  hint: string
  /** The pid written into the file (default: this process). */
  pid?: number
  /** How long to wait for a live holder before refusing (default 0: refuse at once). */
  waitMs?: number
  /** Most tries to create the file (each after a take-over or a vanished file) before giving up (default: no limit). */
  attempts?: number
  /** The message after `attempts` tries (default: 'could not take the lock'). */
  churn?: string
}

export interface HeldPidLock {
  path: string
  /** Set when a stale lock was taken over: why. */
  tookOver?: string
  /** Removes the file only while it still holds our pid. */
  release(): Promise<void>
}

/**
 * Takes the lock at `path`. Throws LOCKED (`<path>: <reason>`, with `hint`) when a live holder
 * keeps it past `waitMs`, and LOCKED (`<path>: <churn>`) after `attempts` tries.
 */
export async function acquirePidLock(path: string, o: PidLockOptions): Promise<HeldPidLock> {
  const pid = o.pid ?? process.pid
  const end = Date.now() + (o.waitMs ?? 0)
  let tookOver: string | undefined
  for (let tries = 0; tries < (o.attempts ?? Infinity); ) {
    tries++
    if (await tryCreate(path, pid)) return heldPidLock(path, pid, tookOver)
    const facts = await readPidLockFacts(path, pid, Date.now())
    if (!facts) continue // removed in between: try again
    const d = pidLockReason(facts, o.words)
    if (d.takeOver) {
      tookOver = d.reason
      await fs.rm(path, { force: true })
      continue
    }
    if (Date.now() >= end) throw new RoostError('LOCKED', `${path}: ${d.reason}`, { hint: o.hint })
    tries-- // waiting for a live holder is not a failed try
    await new Promise(r => setTimeout(r, 100))
  }
  throw new RoostError('LOCKED', `${path}: ${o.churn ?? 'could not take the lock'}`)
}

function heldPidLock(path: string, pid: number, tookOver: string | undefined): HeldPidLock {
  return {
    path,
    ...(tookOver ? { tookOver } : {}),
    release: async () => {
      const text = await fs.readFile(path, 'utf8').catch(() => '')
      if (parsePid(text) === pid) await fs.rm(path, { force: true })
    },
  }
}

const queues = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` holding the lock at `path`, then releases it (also when `fn` throws). Holders in
 * this process take turns first; another process's live lock is waited for as `o.waitMs` says.
 * `before` runs once it is this holder's turn, before the file is taken (e.g. making its folder).
 * Not re-entrant: `fn` must not take the same lock again.
 */
export async function withPidLock<T>(path: string, fn: () => Promise<T>, o: PidLockOptions & { before?: () => Promise<unknown> }): Promise<T> {
  const prior = queues.get(path) ?? Promise.resolve()
  let done = (): void => {}
  const mine = new Promise<void>(res => (done = res))
  const chained = prior.then(() => mine)
  queues.set(path, chained)
  try {
    await prior
    await o.before?.()
    const held = await acquirePidLock(path, o)
    try {
      return await fn()
    } finally {
      await held.release()
    }
  } finally {
    done()
    if (queues.get(path) === chained) queues.delete(path)
  }
}

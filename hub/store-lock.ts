/**
 * The hub-wide store lock, `state/store.lock`: whatever changes what the store holds (an
 * ingest's commit and clean-up, a prune, pin/unpin/reset) holds it, so `roost hub prune`
 * run by hand never interleaves with the daemon's accepts. The file is created with O_EXCL and
 * holds the owner's pid; a lock whose process is dead is taken over (as spoke/lock.ts does for
 * the spoke's run lock; roles do not share code, so the decision is repeated here). Inside one
 * process, holders queue on a promise chain first, so the pid alone tells owners apart.
 * `decideStoreLock` is the pure decision; the rest is thin I/O.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { ensureDir } from '../lib/fsx/atomic.js'
import { RoostError } from '../lib/errors.js'
import type { HubPaths } from '../lib/config/hub.js'

export const STORE_LOCK = 'store.lock'

/** A lock file without a pid is young only while its owner may still be writing the pid. */
export const UNREADABLE_GRACE_MS = 10_000

export interface StoreLockFacts {
  pid: number | undefined
  alive: boolean
  ageMs: number
  self: number
}

/** Take over a dead owner's lock, our own pid's leftover, or an old unreadable file; else wait. Pure. */
export function decideStoreLock(f: StoreLockFacts): { action: 'take-over' | 'wait'; reason: string } {
  if (f.pid === undefined) {
    return f.ageMs > UNREADABLE_GRACE_MS ? { action: 'take-over', reason: 'the lock file holds no pid and is old' } : { action: 'wait', reason: 'the lock file is being written' }
  }
  if (f.pid === f.self) return { action: 'take-over', reason: 'the lock holds our own pid (a leftover: this process queues its own holders)' }
  if (!f.alive) return { action: 'take-over', reason: `its holder (pid ${f.pid}) is gone` }
  return { action: 'wait', reason: `another roost process (pid ${f.pid}) is changing the store` }
}

function pidAlive(pid: number): boolean {
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

async function tryCreate(path: string): Promise<boolean> {
  try {
    const h = await fs.open(path, 'wx', 0o600)
    try {
      await h.writeFile(`${process.pid}\n`)
    } finally {
      await h.close()
    }
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

async function readFacts(path: string): Promise<StoreLockFacts | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(path, 'utf8'), fs.stat(path)])
    const pid = parsePid(text)
    return { pid, alive: pid !== undefined && pidAlive(pid), ageMs: Date.now() - st.mtimeMs, self: process.pid }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function takeFile(path: string, waitMs: number): Promise<void> {
  const end = Date.now() + waitMs
  for (;;) {
    if (await tryCreate(path)) return
    const facts = await readFacts(path)
    if (!facts) continue
    const d = decideStoreLock(facts)
    if (d.action === 'take-over') {
      await fs.rm(path, { force: true })
      continue
    }
    if (Date.now() >= end) throw new RoostError('LOCKED', `${path}: ${d.reason}`, { hint: 'wait for it to finish and try again; a lock whose process has died is taken over' })
    await new Promise(r => setTimeout(r, 100))
  }
}

const queues = new Map<string, Promise<unknown>>()

export interface StoreLockOptions {
  /** How long to wait for another process's lock before failing with LOCKED (default 60 s). */
  waitMs?: number
}

/**
 * Runs `fn` holding the store lock, then releases it (also when `fn` throws). Waits up to
 * `waitMs` for another process; throws LOCKED after that. Not re-entrant: `fn` must not take it again.
 */
export async function withStoreLock<T>(paths: HubPaths, fn: () => Promise<T>, o: StoreLockOptions = {}): Promise<T> {
  const path = join(paths.state, STORE_LOCK)
  const before = queues.get(path) ?? Promise.resolve()
  let done = (): void => {}
  const mine = new Promise<void>(res => (done = res))
  const chained = before.then(() => mine)
  queues.set(path, chained)
  try {
    await before
    await ensureDir(paths.state)
    await takeFile(path, o.waitMs ?? 60_000)
    try {
      return await fn()
    } finally {
      const text = await fs.readFile(path, 'utf8').catch(() => '')
      if (parsePid(text) === process.pid) await fs.rm(path, { force: true })
    }
  } finally {
    done()
    if (queues.get(path) === chained) queues.delete(path)
  }
}

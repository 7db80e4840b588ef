/**
 * Runs one allowed exec request: the policy's argv, detached in its own process group with a
 * minimal environment, its stdio piped to the SSH channel, its exit status sent back. When the
 * channel or the connection goes away first, the whole process group is stopped: SIGTERM (rsync
 * then keeps a cut upload in its partial dir, so the next attempt resumes), SIGKILL after a
 * grace time (rrsync stays the parent of rsync, and rsync forks: one pid would not do).
 */
import type { ServerChannel } from 'ssh2'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { spawnStream } from '../proc/run.js'
import type { Logger } from '../log.js'

/** How long a group has after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 3000

/** A running exec: `done` settles when it is over (never rejects); `kill` ends its group. */
export interface RunningExec {
  done: Promise<{ exitCode?: number; signal?: string }>
  kill(): void
}

/** Resolves once everything written so far has gone to the channel, or the channel closed. */
function flushed(w: Writable, closed: Promise<void>): Promise<void> {
  if (w.writableEnded || w.destroyed) return Promise.resolve()
  return Promise.race([new Promise<void>(res => w.write(Buffer.alloc(0), () => res())), closed])
}

function quiet(p: Promise<unknown>): Promise<void> {
  return p.then(() => undefined, () => undefined)
}

/**
 * Starts `argv` for an accepted exec channel. Never throws: a failure to start is reported on
 * the channel's stderr with exit status 1.
 */
export function runExecChild(channel: ServerChannel, argv: readonly string[], env: Record<string, string>, log: Logger): RunningExec {
  const child = spawnStream(argv, { detached: true, env, cwd: '/' })
  const pid = child.pid
  let running = true
  let channelOpen = true
  let killing = false
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid!, signal)
    } catch {
      // the group is already gone
    }
  }
  const kill = (): void => {
    if (!running || killing || pid === undefined) return
    killing = true
    // TERM first: rsync saves what it received into its --partial-dir, so the upload resumes
    signalGroup('SIGTERM')
    setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS)
  }
  const closed = new Promise<void>(res => channel.once('close', () => res()))
  void closed.then(() => {
    channelOpen = false
    if (running) log.info({ pid }, 'channel closed before the command ended: stopping its process group')
    kill()
  })
  child.stdin?.on('error', () => {}) // EPIPE once the child stops reading
  channel.on('error', () => {})
  if (child.stdin) channel.pipe(child.stdin)
  child.stdout?.pipe(channel, { end: false })
  child.stderr?.pipe(channel.stderr, { end: false })
  const done = (async () => {
    const r = await child
    running = false
    await Promise.all([quiet(finished(child.stdout!)), quiet(finished(child.stderr!))])
    if (r.failed && r.exitCode === undefined && !r.signal) {
      log.error({ err: r.message }, 'command could not be started')
      if (channelOpen) channel.stderr.write('roost: the hub could not start the command\n')
    }
    if (channelOpen) {
      await flushed(channel, closed)
      await flushed(channel.stderr, closed)
      if (r.signal) channel.exit(r.signal.replace(/^SIG/, ''), false, '')
      else channel.exit(r.exitCode ?? 1)
      channel.end()
    }
    return { ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }), ...(r.signal ? { signal: r.signal } : {}) }
  })()
  return { done, kill }
}

/**
 * `roost mirror watch`: stays subscribed to the upstream and syncs within seconds of a
 * publish, with no inbound port: it dials out with OpenSSH's ssh and runs the built-in
 * `roost-watch-tree`, which writes `serial N` at once and after each publish (and `ping`
 * now and then). A serial other than the one published here starts a sync (a lower one makes
 * that sync refuse the rollback, loudly) (one at a time; a
 * notice during a sync makes one more follow). When the connection drops, it dials again
 * after a pause that doubles up to `maxBackoffMs` (back to the start once a connection
 * delivered a line). The first line after each (re)connect is compared too, so a publish
 * missed while cut is caught at once; and a sync runs every `everyMs` regardless. Stops on SIGTERM/SIGINT after the running sync.
 */
import { stopSignal } from '../lib/signals.js'
import { createInterface } from 'node:readline'
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { isRoostError } from '../lib/errors.js'
import { endpointTarget, knownHostsLine, sshArgv } from '../lib/ssh-client.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { startChild } from '../lib/proc/pipe.js'
import { WATCH_COMMAND } from '../lib/ssh/mirror-account.js'
import { readSyncRecord, syncMirror, type SyncResult } from './sync.js'

export interface WatchOptions {
  /** Resolves when the watch should stop (default: the first SIGTERM or SIGINT). */
  stop?: Promise<unknown>
  /** First pause after a cut (default 1 s) and the longest (default 60 s). */
  minBackoffMs?: number
  maxBackoffMs?: number
  /** A sync this often even without a notice (default 1 h). */
  everyMs?: number
  /** Called after every sync (tests, progress). */
  onSync?(r: SyncResult | Error): void
}

/** The next pause after `failures` cuts in a row. Pure. */
export function backoff(failures: number, min: number, max: number): number {
  return Math.min(max, min * 2 ** Math.max(0, failures - 1))
}

/** The serial a watch line announces, or undefined (a ping, or noise). Pure. */
export function parseWatchLine(line: string): number | undefined {
  const m = /^serial (\d{1,15})$/.exec(line.trim())
  return m ? Number(m[1]) : undefined
}

const sleep = (ms: number, stop: Promise<unknown>): Promise<unknown> => {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([new Promise(res => (timer = setTimeout(res, ms))), stop]).finally(() => clearTimeout(timer))
}

/** Runs until asked to stop. Returns how many syncs ran. */
export async function watchMirror(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date, o: WatchOptions = {}): Promise<{ syncs: number; connections: number }> {
  const stop = Promise.race([o.stop ?? new Promise(() => {}), stopSignal().promise]).then(why => {
    stopped = true
    log.info({ why }, 'mirror watch stopping')
  })
  let stopped = false
  let syncs = 0
  let connections = 0
  let running: Promise<void> | undefined
  let again = false
  const target = endpointTarget(config.upstream, config.name, paths.key, paths.knownHosts)

  let announced = false
  const syncOnce = async (): Promise<void> => {
    const knownNew = announced
    announced = false
    try {
      const r = await syncMirror(config, paths, log, now, { knownNew })
      syncs++
      o.onSync?.(r)
    } catch (err) {
      if (isRoostError(err, 'LOCKED')) log.info('another sync or verify holds the lock; trying again shortly')
      else log.error({ err: (err as Error).message }, 'sync failed; the next notice or reconnect tries again')
      o.onSync?.(err as Error)
      if (isRoostError(err, 'LOCKED')) setTimeout(() => want(), 5000).unref()
    }
  }
  const want = (): void => {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = (async () => {
      do {
        again = false
        await syncOnce()
      } while (again && !stopped)
    })().finally(() => (running = undefined))
  }
  const periodic = setInterval(() => want(), o.everyMs ?? 3_600_000)

  let failures = 0
  await ensureDir(paths.state)
  await writeFileAtomic(paths.knownHosts, knownHostsLine(config.upstream.hostKey), 0o600)
  try {
    while (!stopped) {
      connections++
      const child = startChild([...sshArgv(target), target.host, WATCH_COMMAND], { stdin: 'ignore', stdout: 'pipe', code: 'SSH_FAILED', what: `watching ${target.host}:${target.port}` })
      let heard = false
      const lines = createInterface({ input: child.stdout! })
      lines.on('line', line => {
        const serial = parseWatchLine(line)
        if (!heard) log.info({ upstream: `${target.host}:${target.port}` }, 'watching the upstream')
        heard = true
        if (serial === undefined) return
        void readSyncRecord(paths.state).then(r => {
          if (r?.serial !== serial) {
            log.info({ serial, here: r?.serial ?? null }, 'the upstream published a new index')
            announced = true
            want()
          }
        })
      })
      const ended = child.done.then(
        () => 'the upstream closed the watch',
        (err: Error & { hint?: string }) => (err.hint ? `${err.message}: ${err.hint}` : err.message),
      )
      const why = await Promise.race([ended, stop.then(() => 'stopping')])
      child.kill()
      lines.close()
      if (stopped) break
      failures = heard ? 1 : failures + 1
      const pause = backoff(failures, o.minBackoffMs ?? 1000, o.maxBackoffMs ?? 60_000)
      log.warn({ why, retryInMs: pause }, 'watch connection lost; dialling again')
      await sleep(pause, stop)
    }
  } finally {
    clearInterval(periodic)
    await running
  }
  return { syncs, connections }
}

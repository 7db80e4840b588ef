/**
 * The built-in `roost-watch-tree` exec (lib/ssh/mirror-account.ts): tells a watching mirror
 * each time the store publishes a new TREE.json. It writes `serial N` at once and again after
 * every change, and `ping` every `pingMs` so a cut connection is noticed on both sides. The
 * store is watched with fs.watch, with a poll as a fallback (some file systems send no events).
 * Only the head of TREE.json is read: its canonical form puts `serial` before `services`.
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { TREE_FILE } from '../formats/tree.js'
import type { RunningExec } from './exec-child.js'

/** What the watch writes to: the SSH channel, as a plain writable with an end. */
export interface WatchSink {
  write(text: string): unknown
  end(): unknown
  once(event: 'close', fn: () => void): unknown
  exit?(code: number): unknown
}

export interface WatchTreeOptions {
  pollMs?: number
  pingMs?: number
}

/** The serial at the head of a canonical TREE.json, or undefined. Pure. */
export function serialOfHead(head: string): number | undefined {
  const m = /"serial":(\d+)/.exec(head)
  return m ? Number(m[1]) : undefined
}

async function readSerial(store: string): Promise<{ serial: number; stamp: string } | undefined> {
  const file = join(store, TREE_FILE)
  let fh
  try {
    fh = await fs.open(file, 'r')
    const st = await fh.stat()
    const buf = Buffer.alloc(512)
    const { bytesRead } = await fh.read(buf, 0, 512, 0)
    const serial = serialOfHead(buf.subarray(0, bytesRead).toString('utf8'))
    return serial === undefined ? undefined : { serial, stamp: `${st.ino}:${st.size}:${st.mtimeMs}` }
  } catch {
    return undefined
  } finally {
    await fh?.close()
  }
}

/** Runs the watch on an accepted channel until the channel closes or `kill` is called. */
export function runWatchTree(channel: WatchSink, store: string, log: Logger, o: WatchTreeOptions = {}): RunningExec {
  let stopped = false
  let last: number | undefined
  let lastStamp = ''
  let checking = false
  let again = false
  let watcher: FSWatcher | undefined
  let finish: (r: { exitCode?: number }) => void = () => {}
  const done = new Promise<{ exitCode?: number }>(res => (finish = res))
  const check = async (): Promise<void> => {
    if (checking) {
      again = true
      return
    }
    checking = true
    try {
      do {
        again = false
        const now = await readSerial(store)
        if (stopped || !now || now.stamp === lastStamp) continue
        lastStamp = now.stamp
        if (now.serial !== last) {
          last = now.serial
          channel.write(`serial ${now.serial}\n`)
        }
      } while (again && !stopped)
    } finally {
      checking = false
    }
  }
  const poll = setInterval(() => void check(), o.pollMs ?? 2000)
  const ping = setInterval(() => channel.write('ping\n'), o.pingMs ?? 30_000)
  try {
    watcher = watch(store, { persistent: false }, (_event, name) => {
      if (name === null || name === TREE_FILE) void check()
    })
    watcher.on('error', () => {})
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'fs.watch unavailable: polling only')
  }
  const stop = (): void => {
    if (stopped) return
    stopped = true
    clearInterval(poll)
    clearInterval(ping)
    watcher?.close()
    finish({ exitCode: 0 })
  }
  channel.once('close', stop)
  void check()
  return {
    done,
    kill() {
      if (stopped) return
      stop()
      channel.exit?.(0)
      channel.end()
    },
  }
}

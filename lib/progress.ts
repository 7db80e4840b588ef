/**
 * Progress of a long step on a terminal: one line on stderr, redrawn in place at most every
 * 200 ms (`archive: 1.2 GiB`, `volumes: staging 3.1 GiB of 8.0 GiB (39%)`, `sync: generation 3
 * of 12`), ended with a newline. When stderr is not a terminal (cron, systemd, a pipe) it
 * writes nothing: the JSON log lines say what happened. Nothing happens at import time.
 */
import { formatBytes } from './config/units.js'

export interface Progress {
  /** Reports `done` of `total` (bytes or items) for the step named `label`. */
  update(label: string, done: number, total?: number, unit?: 'bytes' | 'items'): void
  /** Ends the line (if one was drawn). */
  end(): void
}

interface Sink {
  isTTY?: boolean
  columns?: number
  write(s: string): unknown
}

const QUIET: Progress = { update() {}, end() {} }

/** Progress for `what` on `stream` (default stderr); a no-op unless the stream is a terminal. */
export function progress(what: string, o: { stream?: Sink; everyMs?: number; now?: () => number } = {}): Progress {
  const stream = o.stream ?? process.stderr
  if (!stream.isTTY) return QUIET
  const every = o.everyMs ?? 200
  const now = o.now ?? Date.now
  let last = -Infinity
  let drawn = false
  let pending = ''
  const draw = (line: string): void => {
    const width = Math.max(20, (stream.columns || 80) - 1) // a pty without a size reports 0
    stream.write(`\r\x1b[K${line.length > width ? line.slice(0, width - 1) + '…' : line}`)
    drawn = true
  }
  return {
    update(label, done, total, unit = 'bytes') {
      const fmt = (n: number): string => (unit === 'bytes' ? formatBytes(n) : String(n))
      pending = `${what}: ${label} ${fmt(done)}${total !== undefined ? ` of ${fmt(total)}${total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : ''}` : ''}`
      const t = now()
      if (t - last < every && !(total !== undefined && done >= total)) return
      last = t
      draw(pending)
    },
    end() {
      if (!drawn) return
      draw(pending)
      stream.write('\n')
      drawn = false
    },
  }
}

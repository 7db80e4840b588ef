/**
 * Streaming children for one-pass pipelines (tar → hash + file + listing; file → hash +
 * zstd + listing; zstd -d → hash + tar -x). Data moves as streams with backpressure; a
 * child's stderr keeps only its tail. Every child's exit is checked.
 */
import { Writable, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { spawnStream, tailCollector, checkExit, type RunOptions } from './run.js'

export interface StreamChild {
  /** The child's stdin (null when started with stdin 'ignore'). */
  stdin: Writable | null
  stdout: Readable | null
  /** Resolves when the child exited with an ok code and its stdout sink finished; rejects with a RoostError otherwise. */
  done: Promise<void>
  kill(): void
}

export interface StreamChildOptions extends RunOptions {
  /** Where the child's stdout goes: a Writable (piped with backpressure), 'pipe' (the caller reads), or 'ignore'. */
  stdout?: Writable | 'pipe' | 'ignore'
  stdin?: 'pipe' | 'ignore'
}

/** Starts a child whose stdin the caller writes and whose stdout goes where asked. */
export function startChild(argv: readonly string[], opts: StreamChildOptions = {}): StreamChild {
  const sink = opts.stdout ?? 'ignore'
  const child = spawnStream(argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.stdin ?? 'pipe',
    stdout: typeof sink === 'string' ? sink : 'pipe',
    stderr: 'pipe',
  })
  const stderrTail = tailCollector(child.stderr)
  // A child that exits early closes its stdin: the writer sees EPIPE, and the exit code tells why.
  child.stdin?.on('error', () => {})
  const piped = typeof sink === 'object' && child.stdout ? pipeline(child.stdout, sink) : Promise.resolve()
  const done = (async () => {
    const [result] = await Promise.all([child, piped])
    checkExit(argv[0]!, result, stderrTail(), opts)
  })()
  done.catch(() => {}) // observed by the caller; avoid an unhandled rejection meanwhile
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    done,
    kill: () => {
      child.kill('SIGKILL')
    },
  }
}

/**
 * Forwards writes to a child's stdin with backpressure, and quietly drops them once the child
 * has stopped reading (tar stops at the end-of-archive blocks, or dies on garbage; zstd dies
 * on bad input). The stream upstream still sees every byte, so its hash can name the real
 * cause, and the child's exit status, not a broken pipe, says whether it worked.
 */
export class TolerantSink extends Writable {
  private gone = false
  constructor(private readonly target: Writable) {
    super()
    const die = (): void => {
      this.gone = true
      this.emit('target-gone')
    }
    target.on('error', die)
    target.on('close', die)
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.gone || this.target.destroyed || this.target.write(chunk)) return cb()
    const go = (): void => {
      this.target.off('drain', go)
      this.off('target-gone', go)
      cb()
    }
    this.target.on('drain', go)
    this.once('target-gone', go)
  }
  override _final(cb: (err?: Error | null) => void): void {
    if (this.gone || this.target.destroyed) return cb()
    let called = false
    const once = (): void => {
      if (called) return
      called = true
      cb()
    }
    this.once('target-gone', once)
    this.target.end(once)
  }
}

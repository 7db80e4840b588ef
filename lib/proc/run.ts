/**
 * The one home of execa. Every child process roost starts goes through here: an argv array
 * (never a shell string), a minimal environment (never a copy of process.env), and a failure
 * turned into a RoostError that names the tool, its exit code and its last stderr lines.
 */
import { execa, type ResultPromise, type Options } from 'execa'
import { RoostError, type ErrorCode } from '../errors.js'

export type { ResultPromise }

/** The environment every child gets, plus what the caller adds. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
    ...extra,
  }
}

export interface RunOptions {
  cwd?: string
  env?: Record<string, string>
  input?: string
  /** Milliseconds before the child is killed. */
  timeout?: number
  /** Error code to throw on failure. */
  code?: ErrorCode
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[]
  /** What the command was doing, for the error message. */
  what?: string
  /** Stops the child (SIGTERM) when aborted: the error then says it was cut. */
  signal?: AbortSignal
  /** Sees stdout as it comes (stdout is still returned whole). */
  onStdout?: (text: string) => void
}

export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Keeps the last few non-empty lines of a tool's stderr: the part worth showing a user. */
export function lastLines(text: string, n = 5): string {
  return text.split('\n').map(l => l.trimEnd()).filter(Boolean).slice(-n).join('\n')
}

/** Runs a command to completion, capturing its output. Throws a RoostError on failure. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv
  if (!file) throw new Error('run: empty argv')
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    extendEnv: false,
    input: opts.input,
    timeout: opts.timeout,
    reject: false,
    stripFinalNewline: false,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  })
  if (opts.onStdout) child.stdout?.on('data', (d: Buffer) => opts.onStdout!(d.toString()))
  return checkResult(file, await child, opts)
}

function checkResult(file: string, r: { exitCode?: number; stdout: unknown; stderr: unknown; failed: boolean; timedOut?: boolean; code?: string; signal?: string }, opts: RunOptions): RunResult {
  const stdout = typeof r.stdout === 'string' ? r.stdout : ''
  const stderr = typeof r.stderr === 'string' ? r.stderr : ''
  const exitCode = r.exitCode ?? -1
  const ok = opts.okCodes ?? [0]
  if (r.code === 'ENOENT') {
    throw new RoostError('TOOL_MISSING', `${file} is not installed or not on PATH`, { hint: 'install it (see README: Debian packages)' })
  }
  if (opts.signal?.aborted) {
    const why = opts.signal.reason instanceof Error ? opts.signal.reason.message : String(opts.signal.reason ?? 'aborted')
    throw new RoostError(opts.code ?? 'TOOL_FAILED', `${opts.what ?? file} was stopped: ${why}`, { hint: 'the next run resumes where this one stopped' })
  }
  if (r.timedOut) {
    throw new RoostError(opts.code ?? 'TOOL_FAILED', `${opts.what ?? file} timed out after ${opts.timeout} ms`, { hint: lastLines(stderr) })
  }
  if (!ok.includes(exitCode)) {
    const how = r.signal ? `was killed by ${r.signal}` : `exited ${exitCode}`
    throw new RoostError(opts.code ?? 'TOOL_FAILED', `${opts.what ?? file} ${how}`, { hint: lastLines(stderr), detail: { tool: file, exitCode } })
  }
  return { exitCode, stdout, stderr }
}

export interface SpawnOptions {
  cwd?: string
  env?: Record<string, string>
  /** Start the child in its own process group (so the whole group can be killed). */
  detached?: boolean
  stdin?: 'pipe' | 'ignore' | 'inherit'
  stdout?: 'pipe' | 'ignore' | 'inherit'
  stderr?: 'pipe' | 'ignore' | 'inherit'
}

/**
 * Starts a streaming child (its stdio are Node streams). The caller awaits the returned
 * promise and passes the result to `checkExit`. Output is not buffered in memory.
 */
export function spawnStream(argv: readonly string[], opts: SpawnOptions = {}): ResultPromise {
  const [file, ...args] = argv
  if (!file) throw new Error('spawnStream: empty argv')
  const o: Options = {
    cwd: opts.cwd,
    env: childEnv(opts.env),
    extendEnv: false,
    reject: false,
    buffer: false,
    detached: opts.detached ?? false,
    stdin: opts.stdin ?? 'pipe',
    stdout: opts.stdout ?? 'pipe',
    stderr: opts.stderr ?? 'pipe',
  }
  return execa(file, args, o)
}

/** Collects the tail of a stream (e.g. a child's stderr) without letting memory grow. */
export function tailCollector(stream: NodeJS.ReadableStream | null | undefined, max = 16384): () => string {
  let tail = ''
  stream?.on('data', (chunk: Buffer | string) => {
    tail = (tail + chunk.toString()).slice(-max)
  })
  return () => tail
}

/** Turns a finished streaming child into a RoostError unless it exited with an ok code. */
export function checkExit(file: string, result: { exitCode?: number; failed: boolean; signal?: string; code?: string }, stderrTail: string, opts: RunOptions = {}): void {
  checkResult(file, { ...result, stdout: '', stderr: stderrTail }, opts)
}

export interface GroupResult {
  /** null when it never exited on its own (timed out, killed, or could not start). */
  exitCode: number | null
  timedOut: boolean
  /** The last lines of its output, bounded whatever it prints. */
  stdout: string
  stderr: string
  /** Set when it could not start (e.g. the program does not exist). */
  startError?: string
}

/**
 * Runs a child in its own process group with a deadline: on timeout the whole group gets
 * SIGTERM, then SIGKILL after `graceMs`, so a shell script's own children (pg_dump under
 * `sh -c`) die with it. Output is kept only as a bounded tail. Never throws for the child's
 * own failure: the result says what happened.
 */
export async function runGroup(argv: readonly string[], opts: { env?: Record<string, string>; cwd?: string; timeout: number; graceMs?: number }): Promise<GroupResult> {
  const child = spawnStream(argv, { env: opts.env, cwd: opts.cwd, detached: true, stdin: 'ignore' })
  const out = tailCollector(child.stdout, 8192)
  const err = tailCollector(child.stderr, 8192)
  let timedOut = false
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return
    try {
      process.kill(-child.pid, signal)
    } catch {
      // the group is gone already
    }
  }
  let grace: NodeJS.Timeout | undefined
  const timer = setTimeout(() => {
    timedOut = true
    killGroup('SIGTERM')
    grace = setTimeout(() => killGroup('SIGKILL'), opts.graceMs ?? 5000)
  }, opts.timeout)
  try {
    const r = await child
    // After a timeout, whatever the group still holds is ended too. After a normal exit it is
    // left alone: a restore hook may start a service that stays running.
    if (timedOut) killGroup('SIGKILL')
    const startError = r.code === 'ENOENT' ? `${argv[0]} is not installed or not on PATH` : r.code === 'EACCES' ? `${argv[0]} is not executable` : undefined
    return {
      exitCode: timedOut || startError || r.exitCode === undefined ? null : r.exitCode,
      timedOut,
      stdout: out(),
      stderr: err(),
      ...(startError ? { startError } : {}),
    }
  } finally {
    clearTimeout(timer)
    if (grace) clearTimeout(grace)
  }
}

/**
 * Hooks from spoke.yaml: argv arrays (never a shell string of ours) with a timeout, run in
 * their own process group (a timeout ends the hook and everything it started).
 *
 * - pre: before the archive (maintenance on, dumps). They stop at the first failure and no
 *   generation is made.
 * - post: after it (maintenance off). They all run, always, even after a failure; every
 *   failure is reported.
 * - restore: after `roost restore --hooks` has put the files in place (load the dump, fix
 *   ownership, restart). They stop at the first failure; the restored files stay.
 *
 * `planHooks` is pure; `runHooks` runs a plan.
 */
import type { Logger } from './log.js'
import type { Hook } from './config/spoke.js'
import { runGroup, lastLines } from './proc/run.js'

export type Phase = 'pre' | 'post' | 'restore'

/** One hook to run: what, how long it may take, and what it is told in its environment. */
export interface HookStep {
  name: string
  phase: Phase
  argv: string[]
  timeoutMs: number
  env: Record<string, string>
  /** Pre and restore hooks stop the phase on failure; post hooks never do. */
  stopOnFailure: boolean
}

/** What a hook did: the manifest's `hooks` entry plus the reason it failed. */
export interface HookRun {
  name: string
  phase: Phase
  /** null when it never exited on its own (timed out, or could not start). */
  exitCode: number | null
  ms: number
  ok: boolean
  error?: string
  /** The last lines the hook printed on stdout (shown after a restore; never in a manifest). */
  output?: string
}

export interface HookContext {
  service: string
  generation: string
  /** The kind being made (pre, post) or restored (restore): full, diff or incr. */
  kind?: string
  /** For post hooks: whether everything before them succeeded. */
  result?: 'ok' | 'failed'
  /** For restore hooks: the folder the files were restored into (absolute). */
  restoreDir?: string
}

/**
 * The steps of one phase, in config order. Pure. A hook's own `env` comes first, then
 * `extraEnv` (restore's --hook-env); roost's ROOST_* variables are set last and cannot be
 * overridden.
 */
export function planHooks(hooks: readonly Hook[], phase: Phase, c: HookContext, extraEnv: Record<string, string> = {}): HookStep[] {
  return hooks.map(h => ({
    name: h.name,
    phase,
    argv: [...h.run],
    timeoutMs: h.timeout,
    env: {
      ...(h.env ?? {}),
      ...extraEnv,
      ROOST_SERVICE: c.service,
      ROOST_GENERATION: c.generation,
      ROOST_PHASE: phase,
      ...(c.kind ? { ROOST_KIND: c.kind } : {}),
      ...(c.result ? { ROOST_RESULT: c.result } : {}),
      ...(c.restoreDir ? { ROOST_RESTORE_DIR: c.restoreDir } : {}),
    },
    stopOnFailure: phase !== 'post',
  }))
}

function logOutput(log: Logger, step: HookStep, stdout: string, stderr: string): void {
  const out = lastLines(stdout, 20)
  const err = lastLines(stderr, 20)
  if (out) log.info({ hook: step.name, phase: step.phase, stdout: out }, 'hook output')
  if (err) log.info({ hook: step.name, phase: step.phase, stderr: err }, 'hook stderr')
}

/** Runs one hook; never throws for the hook's own failure (it is reported in the result). */
export async function runHook(step: HookStep, log: Logger): Promise<HookRun> {
  const start = Date.now()
  const r = await runGroup(step.argv, { env: step.env, timeout: step.timeoutMs })
  logOutput(log, step, r.stdout, r.stderr)
  const output = lastLines(r.stdout, 20)
  const base = { name: step.name, phase: step.phase, ...(output ? { output } : {}) }
  const ms = Date.now() - start
  const what = `${step.phase} hook '${step.name}'`
  const last = lastLines(r.stderr, 1)
  const why = last ? `: ${last}` : ''
  if (r.startError) return { ...base, exitCode: null, ms, ok: false, error: `${what} could not start: ${r.startError}` }
  if (r.timedOut) return { ...base, exitCode: null, ms, ok: false, error: `${what} timed out after ${step.timeoutMs} ms${why}` }
  if (r.exitCode === null) return { ...base, exitCode: null, ms, ok: false, error: `${what} was killed${why}` }
  if (r.exitCode !== 0) return { ...base, exitCode: r.exitCode, ms, ok: false, error: `${what} exited ${r.exitCode}${why}` }
  return { ...base, exitCode: 0, ms, ok: true }
}

/** Runs a phase's steps in order; a failed step stops the rest only when it says so. */
export async function runHooks(steps: readonly HookStep[], log: Logger): Promise<HookRun[]> {
  const runs: HookRun[] = []
  for (const step of steps) {
    const r = await runHook(step, log)
    runs.push(r)
    const fields = { hook: r.name, phase: r.phase, exitCode: r.exitCode, ms: r.ms }
    if (r.ok) log.info(fields, 'hook done')
    else log.error({ ...fields, error: r.error }, 'hook failed')
    if (!r.ok && step.stopOnFailure) break
  }
  return runs
}

/** The failures of a phase as one message, or undefined when all ran well. */
export function hookFailures(runs: readonly HookRun[]): string | undefined {
  const bad = runs.filter(r => !r.ok)
  if (!bad.length) return undefined
  return bad.map(r => r.error ?? `${r.phase} hook '${r.name}' failed (exit ${r.exitCode})`).join('; ')
}

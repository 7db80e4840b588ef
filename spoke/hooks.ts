/**
 * Pre and post hooks from spoke.yaml: argv arrays (never a shell string of ours) with a
 * timeout. Pre hooks stop at the first failure (no generation is made); post hooks all run,
 * always, and every failure is reported. `planHooks` is pure; `runHooks` runs a plan.
 */
import type { Logger } from '../lib/log.js'
import type { Hook } from '../lib/config/spoke.js'
import { run, lastLines } from '../lib/proc/run.js'
import { RoostError } from '../lib/errors.js'

export type Phase = 'pre' | 'post'

/** One hook to run: what, how long it may take, and what it is told in its environment. */
export interface HookStep {
  name: string
  phase: Phase
  argv: string[]
  timeoutMs: number
  env: Record<string, string>
  /** Pre hooks stop the phase on failure; post hooks never do. */
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
}

export interface HookContext {
  service: string
  generation: string
  /** For post hooks: whether everything before them succeeded. */
  result?: 'ok' | 'failed'
}

/** The steps of one phase, in config order. Pure. */
export function planHooks(hooks: readonly Hook[], phase: Phase, c: HookContext): HookStep[] {
  return hooks.map(h => ({
    name: h.name,
    phase,
    argv: [...h.run],
    timeoutMs: h.timeout,
    env: {
      ROOST_SERVICE: c.service,
      ROOST_GENERATION: c.generation,
      ROOST_PHASE: phase,
      ...(c.result ? { ROOST_RESULT: c.result } : {}),
    },
    stopOnFailure: phase === 'pre',
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
  const base = { name: step.name, phase: step.phase }
  try {
    const r = await run(step.argv, { env: step.env, timeout: step.timeoutMs, code: 'HOOK_FAILED', what: `${step.phase} hook '${step.name}'` })
    logOutput(log, step, r.stdout, r.stderr)
    return { ...base, exitCode: r.exitCode, ms: Date.now() - start, ok: true }
  } catch (err) {
    if (!(err instanceof RoostError)) throw err
    const exitCode = typeof err.detail?.exitCode === 'number' && err.detail.exitCode >= 0 ? err.detail.exitCode : null
    if (err.hint) log.info({ hook: step.name, phase: step.phase, stderr: err.hint }, 'hook stderr')
    const error = err.hint ? `${err.message}: ${err.hint.split('\n').pop()}` : err.message
    return { ...base, exitCode, ms: Date.now() - start, ok: false, error }
  }
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

/** spoke.yaml: the spoke's schema, defaults, and its paths made absolute. */
import { z } from 'zod'
import { resolve, dirname, isAbsolute } from 'node:path'
import { duration, endpoint, name, size } from './types.js'
import { loadConfig } from './load.js'

/** Why NAME cannot be set in a hook's environment, or undefined when it can. Pure. */
export function hookEnvNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `'${name}' is not an environment variable name`
  if (name.startsWith('ROOST_')) return `${name}: ROOST_* variables are set by roost`
  return undefined
}

export const HookSchema = z.strictObject({
  name: z.string().min(1).max(128),
  /** argv: the program and its arguments (use [sh, -c, '…'] for a shell). */
  run: z.array(z.string()).min(1),
  timeout: duration.default(600_000),
  /** Extra environment for this hook (PGHOST, PGPORT, …); roost's ROOST_* variables win. */
  env: z
    .record(z.string(), z.string())
    .superRefine((env, ctx) => {
      // checked here rather than on the record's key schema: zod reports a bad record key only as "Invalid key in record"
      for (const k of Object.keys(env)) {
        const problem = hookEnvNameProblem(k)
        if (problem) ctx.addIssue({ code: 'custom', path: [k], message: problem })
      }
    })
    .optional(),
})
export type Hook = z.output<typeof HookSchema>

export const SpokeConfigSchema = z.strictObject({
  service: name,
  hub: endpoint,
  /** The spoke's ed25519 key (SSH and manifest signing); relative to this file's folder. */
  key: z.string().default('keys/spoke_ed25519'),
  sources: z.array(z.string().refine(isAbsolute, 'expected an absolute path')).min(1),
  excludes: z.array(z.string()).default([]),
  /** Where generations are made and kept; relative to this file's folder. */
  state: z.string().default('state'),
  /** How many generations to keep locally after upload. */
  keepLocal: z.number().int().min(0).max(1000).default(1),
  /** pre/post run around every generation; restore runs after `roost restore --hooks`. */
  hooks: z
    .strictObject({ pre: z.array(HookSchema).default([]), post: z.array(HookSchema).default([]), restore: z.array(HookSchema).default([]) })
    .prefault({}),
  upload: z
    .strictObject({
      bwlimit: size.optional(),
      timeout: duration.default(6 * 3_600_000),
      /** A deadline from the start of a run (`spoke run --time-budget`): uploads past it are cut and resume next run; hooks and tar are not cut. */
      budget: duration.optional(),
    })
    .prefault({}),
  /** Which kind each run makes (`spoke run --kind` overrides; the hub can demand a full). */
  generations: z
    .strictObject({
      /** A full when the newest full is at least this old. */
      fullEvery: duration.default(7 * 86_400_000),
      /** The kind made between fulls: incr (against the previous generation) or diff (against the full). */
      between: z.enum(['incr', 'diff', 'full']).default('incr'),
    })
    .prefault({}),
  /** A cron expression for `roost spoke schedule` (5 fields, or 6 with seconds first). */
  schedule: z.string().min(1).max(128).optional(),
  /** Encrypt with age on this host: only ciphertext leaves it. Recipients are public keys. */
  encrypt: z
    .strictObject({ recipients: z.array(z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, "expected an age recipient like 'age1…'")).min(1).max(32) })
    .optional(),
})

export type SpokeConfig = z.output<typeof SpokeConfigSchema>

export interface SpokePaths {
  config: string
  key: string
  state: string
  /** Generations being made or waiting for upload. */
  generations: string
  knownHosts: string
  lock: string
}

export function spokePaths(cfg: SpokeConfig, configFile: string): SpokePaths {
  const base = dirname(resolve(configFile))
  const state = resolve(base, cfg.state)
  return {
    config: resolve(configFile),
    key: resolve(base, cfg.key),
    state,
    generations: resolve(state, 'generations'),
    knownHosts: resolve(state, 'known_hosts'),
    lock: resolve(state, 'lock'),
  }
}

export async function loadSpokeConfig(file: string): Promise<{ config: SpokeConfig; paths: SpokePaths }> {
  const config = await loadConfig(SpokeConfigSchema, file)
  return { config, paths: spokePaths(config, file) }
}

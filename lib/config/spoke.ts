/** spoke.yaml: the spoke's schema, defaults, and its paths made absolute. */
import { z } from 'zod'
import { resolve, dirname, isAbsolute } from 'node:path'
import { duration, endpoint, name, size } from './types.js'
import { loadConfig } from './load.js'

export const HookSchema = z.strictObject({
  name: z.string().min(1).max(128),
  /** argv: the program and its arguments (use [sh, -c, '…'] for a shell). */
  run: z.array(z.string()).min(1),
  timeout: duration.default(600_000),
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
  hooks: z.strictObject({ pre: z.array(HookSchema).default([]), post: z.array(HookSchema).default([]) }).prefault({}),
  upload: z.strictObject({ bwlimit: size.optional(), timeout: duration.default(6 * 3_600_000) }).prefault({}),
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

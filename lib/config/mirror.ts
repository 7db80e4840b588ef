/** mirror.yaml: the mirror's schema, defaults, and its paths made absolute. */
import { z } from 'zod'
import { resolve, dirname } from 'node:path'
import { endpoint, keyLine, name } from './types.js'
import { loadConfig } from './load.js'

export const MirrorConfigSchema = z.strictObject({
  /** This mirror's account name on its upstream. */
  name,
  upstream: endpoint,
  /** The hub's index key: every TREE.json must be signed by it. */
  indexKey: keyLine,
  key: z.string().default('keys/mirror_ed25519'),
  /** The mirror root (store/, staging/, state/); relative to this file's folder. */
  root: z.string().default('.'),
})

export type MirrorConfig = z.output<typeof MirrorConfigSchema>

export interface MirrorPaths {
  config: string
  root: string
  key: string
  store: string
  staging: string
  state: string
  knownHosts: string
  lock: string
}

export function mirrorPaths(cfg: MirrorConfig, configFile: string): MirrorPaths {
  const base = dirname(resolve(configFile))
  const root = resolve(base, cfg.root)
  const state = resolve(root, 'state')
  return {
    config: resolve(configFile),
    root,
    key: resolve(base, cfg.key),
    store: resolve(root, 'store'),
    staging: resolve(root, 'staging'),
    state,
    knownHosts: resolve(state, 'known_hosts'),
    lock: resolve(state, 'lock'),
  }
}

export async function loadMirrorConfig(file: string): Promise<{ config: MirrorConfig; paths: MirrorPaths }> {
  const config = await loadConfig(MirrorConfigSchema, file)
  return { config, paths: mirrorPaths(config, file) }
}

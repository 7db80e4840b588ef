/** hub.yaml: the hub's schema, defaults, and its paths made absolute. */
import { z } from 'zod'
import { resolve, dirname } from 'node:path'
import { duration, host, keyLine, name, port, size } from './types.js'
import { loadConfig } from './load.js'

export const HubServiceSchema = z.strictObject({
  key: keyLine,
  quota: size.optional(),
  /** How often the service is expected to deliver. */
  every: duration.default(86_400_000),
})

export const HubMirrorSchema = z.strictObject({ key: keyLine })

export const HubLimitsSchema = z.strictObject({
  maxAuthTries: z.number().int().min(1).max(100).default(6),
  loginGraceTime: duration.default(30_000),
  maxUnauthenticated: z.number().int().min(1).max(10_000).default(32),
  maxConnections: z.number().int().min(1).max(100_000).default(256),
  keepaliveInterval: duration.default(15_000),
  keepaliveCountMax: z.number().int().min(1).max(100).default(4),
})

export const HubConfigSchema = z.strictObject({
  /** The hub root (accounts/, store/, rejected/, state/); relative to this file's folder. */
  root: z.string().default('.'),
  listen: z.strictObject({ host: host.default('127.0.0.1'), port: port.default(2222) }).prefault({}),
  keys: z.strictObject({ host: z.string().default('keys/host_ed25519'), index: z.string().default('keys/index_ed25519') }).prefault({}),
  rrsync: z.string().default('/usr/bin/rrsync'),
  limits: HubLimitsSchema.prefault({}),
  services: z.record(name, HubServiceSchema).default({}),
  mirrors: z.record(name, HubMirrorSchema).default({}),
})

export type HubConfig = z.output<typeof HubConfigSchema>
export type HubService = z.output<typeof HubServiceSchema>

/** The hub's folders, all absolute. */
export interface HubPaths {
  config: string
  root: string
  hostKey: string
  indexKey: string
  accounts: string
  store: string
  rejected: string
  staging: string
  state: string
}

export function hubPaths(cfg: HubConfig, configFile: string): HubPaths {
  const base = dirname(resolve(configFile))
  const root = resolve(base, cfg.root)
  return {
    config: resolve(configFile),
    root,
    hostKey: resolve(root, cfg.keys.host),
    indexKey: resolve(root, cfg.keys.index),
    accounts: resolve(root, 'accounts'),
    store: resolve(root, 'store'),
    rejected: resolve(root, 'rejected'),
    staging: resolve(root, 'staging'),
    state: resolve(root, 'state'),
  }
}

export async function loadHubConfig(file: string): Promise<{ config: HubConfig; paths: HubPaths }> {
  const config = await loadConfig(HubConfigSchema, file)
  return { config, paths: hubPaths(config, file) }
}

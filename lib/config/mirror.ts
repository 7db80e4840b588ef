/** mirror.yaml: the mirror's schema, defaults, and its paths made absolute. */
import { z } from 'zod'
import { resolve, dirname } from 'node:path'
import { duration, endpoint, FrontDoorLimitsSchema, host, keyLine, name, port, size } from './types.js'
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
  /** Feeding downstream mirrors (`roost mirror serve`): absent, this mirror serves no one. */
  serve: z
    .strictObject({
      listen: z.strictObject({ host: host.default('127.0.0.1'), port: port.default(2223) }).prefault({}),
      /** This mirror's SSH host key (made by `mirror init --serve` or `mirror add-mirror`). */
      hostKey: z.string().default('keys/host_ed25519'),
      limits: FrontDoorLimitsSchema.prefault({}),
      rrsync: z.string().default('/usr/bin/rrsync'),
    })
    .optional(),
  /** Downstream mirrors allowed to read this mirror's store (`roost mirror add-mirror`). */
  mirrors: z.record(name, z.strictObject({ key: keyLine })).default({}),
  /**
   * How long a generation the upstream has pruned stays here (in attic/, restorable), or
   * `all`: an archival mirror that never lets one go.
   */
  keep: z.union([z.literal('all'), duration]).default(14 * 86_400_000),
  /** What a volunteer's home line and disk can give. */
  limits: z
    .strictObject({
      /** Bytes per second for every transfer (rsync --bwlimit), e.g. 2M. */
      bandwidth: size.optional(),
      /** Hours (local time) transfers may run, e.g. 01:00-07:00 (may cross midnight). */
      hours: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'expected hours like 01:00-07:00').optional(),
      /** The most this mirror's store may hold; a sync that would go beyond it is refused. */
      disk: size.optional(),
    })
    .prefault({}),
  /** Other mirrors to repair from when the upstream cannot (`roost mirror verify --repair`); each must have added this mirror. */
  peers: z.array(endpoint).default([]),
  /** Keep the store in a bucket of an object store through rclone instead of store/ (see README). */
  bucket: z
    .strictObject({
      /** An rclone remote and path, e.g. `s3:roost-tree` or `minio:backups/roost`. */
      remote: z.string().regex(/^[A-Za-z0-9_.-]+:[^\0\n]*$/, 'expected an rclone remote like s3:bucket/path'),
      /** rclone's config file (relative to this file's folder); rclone's own default when absent. */
      rcloneConfig: z.string().optional(),
    })
    .optional(),
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
  /** The SSH host key of a mirror that serves (serve.hostKey, relative to this file's folder). */
  hostKey: string
}

export function mirrorPaths(cfg: MirrorConfig, configFile: string): MirrorPaths {
  const base = dirname(resolve(configFile))
  const root = resolve(base, cfg.root)
  const state = resolve(root, 'state')
  return {
    config: resolve(configFile),
    root,
    key: resolve(base, cfg.key),
    hostKey: resolve(base, cfg.serve?.hostKey ?? 'keys/host_ed25519'),
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

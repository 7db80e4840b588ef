/** hub.yaml: the hub's schema, defaults, and its paths made absolute. */
import { z } from 'zod'
import { resolve, dirname } from 'node:path'
import { duration, FrontDoorLimitsSchema, host, keyLine, name, port, size } from './types.js'
import { loadConfig } from './load.js'

const count = z.number().int().min(0).max(100_000)

/** The retention rules, each optional: a service's `retention` overrides any subset of the hub's. */
const retentionFields = {
  /** Keep the newest N generations. */
  keepLast: count,
  /** Keep the newest generation of each of the last N UTC days that have one (on the hub's clock). */
  daily: count,
  /** … of each of the last N ISO weeks that have one. */
  weekly: count,
  /** … of each of the last N months that have one. */
  monthly: count,
  /** … of each of the last N years that have one. */
  yearly: count,
  /** How long generations accepted before a `hub reset` are kept after it. */
  archive: duration,
  /**
   * More than this many arrivals within one `every` window is a flood: retention raises an
   * alert and holds every removal of a generation accepted before the flood began.
   */
  burst: z.number().int().min(1).max(100_000),
}

export const RetentionSchema = z.strictObject({
  keepLast: retentionFields.keepLast.default(3),
  daily: retentionFields.daily.default(14),
  weekly: retentionFields.weekly.default(8),
  monthly: retentionFields.monthly.default(12),
  yearly: retentionFields.yearly.default(5),
  archive: retentionFields.archive.default(90 * 86_400_000),
  burst: retentionFields.burst.default(4),
})

export const RetentionOverrideSchema = z.strictObject(retentionFields).partial()

export const HubServiceSchema = z.strictObject({
  key: keyLine,
  quota: size.optional(),
  /** How often the service is expected to deliver. */
  every: duration.default(86_400_000),
  /** Overrides any subset of the hub's `retention` for this service. */
  retention: RetentionOverrideSchema.optional(),
})

export const HubMirrorSchema = z.strictObject({ key: keyLine })

/** The SSH front door's limits (shared with a mirror that serves). */
export const HubLimitsSchema = FrontDoorLimitsSchema

/** How `hub serve` ingests: how many arrivals (of different services) it reads at once. */
export const HubIngestSchema = z.strictObject({
  parallel: z.number().int().min(1).max(16).default(2),
})

/**
 * `hub serve` verifies its own store on a schedule: what `roost hub verify --restore-test`
 * does (or, with `restoreTest: false`, the rehash `roost hub verify` does). Off when absent.
 */
export const HubVerifySchema = z.strictObject({
  /** How often; counted from the start of the last run over every service (state/verify.json). */
  every: duration.default(7 * 86_400_000),
  /** The restore drill of each service's newest chain (true), or a rehash of every stored file (false). */
  restoreTest: z.boolean().default(true),
})

/** `hub serve` applies every service's retention on a schedule too, not only after an accept. */
export const HubPruneSchema = z.strictObject({
  /** How often (`0` turns the pass off; retention still runs after each accept). */
  every: duration.default(3_600_000),
})

/**
 * The read-only web side of `hub serve`: the status page at `/`, Prometheus metrics at
 * `/metrics`, the status as JSON at `/status.json`. Off when absent. Anywhere but loopback it
 * needs a token (a file holding it, 0600): clients send `Authorization: Bearer TOKEN`, or basic
 * auth with the token as password (what a browser prompts for).
 */
export const HubHttpSchema = z.strictObject({
  host: host.default('127.0.0.1'),
  port: port.default(8780),
  /** A file (relative to the hub root, like keys/) holding the access token, mode 0600; required unless host is loopback. */
  tokenFile: z.string().optional(),
})

/**
 * Alerts from `hub serve`: checked every `every`; each alert is sent once when it opens, again
 * every `remind` while it stays open, and once more when it resolves; by every channel given.
 */
export const HubAlertsSchema = z.strictObject({
  every: duration.default(60_000),
  remind: duration.default(86_400_000),
  /** Alert when the store's file system has less free space than this. */
  diskFree: size.default(10 * 1024 ** 3),
  /** Alert when a mirror is further behind than this. */
  mirrorLag: duration.default(2 * 86_400_000),
  /**
   * The ransomware canary: alert when a generation's stored size is more than `sizeJump` times
   * (or less than 1/`sizeJump` of) the median of the service's earlier ones of its kind, or when
   * it compresses much worse than they did (stored/tar ratio up by more than `compressJump`).
   */
  sizeJump: z.number().min(1.5).max(1000).default(4),
  compressJump: z.number().min(0.05).max(1).default(0.3),
  /** A program to run (argv, no shell) per alert: ROOST_ALERT_* in its environment, the alert as JSON on stdin. */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** POST the alert as JSON to this URL. */
  webhook: z.strictObject({ url: z.url(), timeout: duration.default(10_000) }).optional(),
  /** Mail the alert through this SMTP server. */
  mail: z
    .strictObject({
      host,
      port: port.default(25),
      /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      user: z.string().optional(),
      /** A file (relative to the hub root) holding the SMTP password, 0600. */
      passwordFile: z.string().optional(),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
    })
    .optional(),
})

export const HubConfigSchema = z.strictObject({
  /** The hub root (accounts/, store/, rejected/, state/); relative to this file's folder. */
  root: z.string().default('.'),
  listen: z.strictObject({ host: host.default('127.0.0.1'), port: port.default(2222) }).prefault({}),
  /** The status page and metrics (absent: off). */
  http: HubHttpSchema.optional(),
  /** Alerts (absent: none sent; conditions still show in `hub status` and on the page). */
  alerts: HubAlertsSchema.optional(),
  keys: z.strictObject({ host: z.string().default('keys/host_ed25519'), index: z.string().default('keys/index_ed25519') }).prefault({}),
  rrsync: z.string().default('/usr/bin/rrsync'),
  limits: HubLimitsSchema.prefault({}),
  /** Arrivals of different services read at once (the commits stay one at a time). */
  ingest: HubIngestSchema.prefault({}),
  /** Retention of every service (GFS on the hub's clock), unless the service overrides it. */
  retention: RetentionSchema.prefault({}),
  /** The scheduled store verification (absent: none). */
  verify: HubVerifySchema.optional(),
  /** The scheduled retention pass. */
  prune: HubPruneSchema.prefault({}),
  services: z.record(name, HubServiceSchema).default({}),
  mirrors: z.record(name, HubMirrorSchema).default({}),
})

export type HubConfig = z.output<typeof HubConfigSchema>
export type HubService = z.output<typeof HubServiceSchema>
export type Retention = z.output<typeof RetentionSchema>
export type HubVerify = z.output<typeof HubVerifySchema>
export type HubHttp = z.output<typeof HubHttpSchema>
export type HubAlerts = z.output<typeof HubAlertsSchema>

/** One service's retention: the hub's rules, the service's overrides, and its cadence (`every`, ms). */
export interface RetentionPolicy extends Retention {
  every: number
}

/** The retention policy of a service in hub.yaml (the hub's defaults when it is not listed). */
export function retentionPolicy(config: HubConfig, service: string): RetentionPolicy {
  const svc = Object.hasOwn(config.services, service) ? config.services[service] : undefined
  const over = Object.fromEntries(Object.entries(svc?.retention ?? {}).filter(([, v]) => v !== undefined))
  return { ...config.retention, ...over, every: svc?.every ?? 86_400_000 }
}

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

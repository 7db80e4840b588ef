/**
 * `roost hub init DIR`: a new hub root — hub.yaml (0600), the SSH host key and the index key
 * (ed25519, made by ssh-keygen, folder 0700), the folder layout, and the first (empty) signed
 * index. Refuses a folder that already holds a hub.yaml; keeps key files that already exist
 * (an init interrupted after ssh-keygen can simply be run again).
 */
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { HubConfigSchema } from '../lib/config/hub.js'
import { validateConfig } from '../lib/config/load.js'
import { hubPaths } from '../lib/config/hub.js'
import { RoostError } from '../lib/errors.js'
import { ensureDir } from '../lib/fsx/atomic.js'
import { ensureKeyPair, type PrivateKey } from '../lib/sign.js'
import type { Logger } from '../lib/log.js'
import { ensureHubLayout } from './accounts.js'
import { writeHubYaml } from './hub-yaml.js'
import { publishIndex } from './index/publish.js'
import { isLoopback } from './http.js'

export interface InitHubOptions {
  dir: string
  port: number
  host: string
  /** The status page and metrics: where to listen (off when absent). */
  http?: { host: string; port: number }
  log: Logger
  now: Date
}

export interface KeyInfo {
  path: string
  line: string
  fingerprint: string
  reused: boolean
}

export interface InitHubResult {
  root: string
  config: string
  listen: { host: string; port: number }
  /** The status page's address, and the token file made when it is not on loopback. */
  http?: { host: string; port: number; tokenFile?: string }
  hostKey: KeyInfo
  indexKey: KeyInfo
  serial: number
}

const exists = (p: string): Promise<boolean> => fs.lstat(p).then(() => true, () => false)


function keyInfo(path: string, k: { key: PrivateKey; reused: boolean }): KeyInfo {
  return { path, line: k.key.public.line, fingerprint: k.key.public.fingerprint, reused: k.reused }
}

/** The hub.yaml a new hub starts with: everything explicit, so an admin sees what to tune. */
export function initialHubYaml(host: string, port: number, http?: { host: string; port: number; tokenFile?: string }): Record<string, unknown> {
  return {
    root: '.',
    listen: { host, port },
    ...(http ? { http } : {}),
    keys: { host: 'keys/host_ed25519', index: 'keys/index_ed25519' },
    rrsync: '/usr/bin/rrsync',
    limits: { maxAuthTries: 6, loginGraceTime: '30s', maxUnauthenticated: 32, maxConnections: 256, keepaliveInterval: '15s', keepaliveCountMax: 4 },
    services: {},
    mirrors: {},
  }
}

/** Where `hub init --http` keeps the status page's token when it listens beyond loopback. */
export const HTTP_TOKEN_FILE = 'keys/http_token'

/** A random token (0600), kept if one is there already (an interrupted init). */
async function ensureToken(path: string): Promise<void> {
  if (await exists(path)) return
  await fs.writeFile(path, randomBytes(24).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' })
}

/** Makes a new hub root in `dir`. Throws CONFIG_EXISTS (exit 2) when dir/hub.yaml exists. */
export async function initHub(o: InitHubOptions): Promise<InitHubResult> {
  const root = resolve(o.dir)
  const configFile = join(root, 'hub.yaml')
  if (await exists(configFile)) {
    throw new RoostError('CONFIG_EXISTS', `${configFile} already exists: ${root} is a hub already`, { hint: 'choose an empty folder, or use the existing hub' })
  }
  const http = o.http ? { ...o.http, ...(isLoopback(o.http.host) ? {} : { tokenFile: HTTP_TOKEN_FILE }) } : undefined
  const values = initialHubYaml(o.host, o.port, http)
  const config = validateConfig(HubConfigSchema, values, configFile)
  const paths = hubPaths(config, configFile)
  await ensureDir(root, 0o700)
  await ensureDir(join(root, 'keys'), 0o700)
  const host = await ensureKeyPair(paths.hostKey, 'roost-hub-host')
  const index = await ensureKeyPair(paths.indexKey, 'roost-hub-index')
  if (http?.tokenFile) await ensureToken(join(root, http.tokenFile))
  await ensureHubLayout(paths)
  const { serial } = await publishIndex({ paths, config, indexKey: index.key, now: o.now, log: o.log })
  // hub.yaml last: it marks a finished init (a crash before it leaves a folder init can redo)
  await writeHubYaml(configFile, values)
  o.log.info({ root, serial }, 'hub initialised')
  return { root, config: configFile, listen: { host: o.host, port: o.port }, ...(http ? { http } : {}), hostKey: keyInfo(paths.hostKey, host), indexKey: keyInfo(paths.indexKey, index), serial }
}

/** The text `roost hub init` prints. */
export function renderInit(r: InitHubResult): string {
  return [
    `hub initialised in ${r.root} (config ${r.config}), listening on ${r.listen.host}:${r.listen.port} once served`,
    ...(r.http ? [`status page and metrics on http://${r.http.host.includes(':') ? `[${r.http.host}]` : r.http.host}:${r.http.port}/ once served${r.http.tokenFile ? ` (token in ${join(r.root, r.http.tokenFile)})` : ''}`] : []),
    '',
    `SSH host key (spokes and mirrors pin it):`,
    `  ${r.hostKey.line}`,
    `  fingerprint ${r.hostKey.fingerprint}`,
    `index key (give it to every mirror: roost mirror init … --index-key '…'):`,
    `  ${r.indexKey.line}`,
    `  fingerprint ${r.indexKey.fingerprint}`,
    `published an empty index (serial ${r.serial})`,
    '',
    'next steps:',
    `  roost hub serve --config ${r.config}`,
    `  roost hub add-service NAME --key 'ssh-ed25519 …' --config ${r.config}   (the line \`roost spoke init\` prints)`,
    `  roost hub add-mirror NAME --key 'ssh-ed25519 …' --config ${r.config}`,
  ].join('\n')
}

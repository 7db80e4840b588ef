/**
 * `roost spoke init`: writes spoke.yaml (0600, never over an existing one), makes the
 * spoke's ed25519 key (0600, folder 0700) and state/ (0700), and pins the hub's SSH host key
 * (given with --hub-key, or read from the hub with ssh-keyscan). Returns the line to run on
 * the hub and the pinned key's fingerprint, for the admin to compare with `roost hub init`.
 */
import { promises as fs } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { RoostError } from '../lib/errors.js'
import { ensureDir, writeFileNew } from '../lib/fsx/atomic.js'
import { ensureKeyPair, readPublicKeyArg } from '../lib/sign.js'
import { assertName } from '../lib/formats/names.js'
import { dumpYaml, validateConfig } from '../lib/config/load.js'
import { SpokeConfigSchema } from '../lib/config/spoke.js'
import { parseEndpoint, scanHostKey } from '../lib/upstream.js'

export interface InitOptions {
  service: string
  /** HOST:PORT, [V6]:PORT or HOST (port 2222). */
  hub: string
  sources: readonly string[]
  /** Where spoke.yaml goes; relative sources and dirs resolve against `cwd`. */
  configFile: string
  /** The hub's host key as a line or a .pub file; when absent, asked from the hub. */
  hubKey?: string
  /** age recipients (`age1…`): every generation is encrypted to them on this host. */
  encryptTo?: readonly string[]
  cwd: string
}

export interface InitResult {
  config: string
  service: string
  key: { path: string; line: string; fingerprint: string; reused: boolean }
  hub: { host: string; port: number; hostKey: string; fingerprint: string; pinnedFrom: 'argument' | 'ssh-keyscan' }
  /** The command to run on the hub. */
  register: string
  /** age recipients every generation is encrypted to (empty: not encrypted). */
  encryptTo: string[]
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

/** Makes the spoke's key, or reuses one already there (it must be 0600). */
async function spokeKey(path: string, service: string): Promise<InitResult['key']> {
  const { key, line, reused } = await ensureKeyPair(path, `roost-spoke-${service}`)
  return { path, line, fingerprint: key.public.fingerprint, reused }
}

/** Sets up a spoke; refuses (CONFIG_EXISTS, exit 2) when spoke.yaml is already there. */
export async function initSpoke(o: InitOptions): Promise<InitResult> {
  const service = assertName(o.service, 'service')
  const hub = parseEndpoint(o.hub, '--hub')
  if (!o.sources.length) throw new RoostError('USAGE', 'give at least one --source PATH')
  const sources = o.sources.map(s => resolve(o.cwd, s))
  const configFile = resolve(o.cwd, o.configFile)
  if (await exists(configFile)) throw new RoostError('CONFIG_EXISTS', `${configFile} already exists; refusing to overwrite it`, { hint: 'remove it first, or pass --dir for another folder' })
  const hostKey = o.hubKey ? await readPublicKeyArg(o.hubKey, '--hub-key') : await scanHostKey(hub.host, hub.port, '--hub-key')
  const encrypt = o.encryptTo?.length ? { encrypt: { recipients: [...o.encryptTo] } } : {}
  const raw = { service, hub: { ...hub, hostKey: hostKey.line }, key: 'keys/spoke_ed25519', sources, excludes: [], state: 'state', keepLocal: 1, hooks: { pre: [], post: [] }, ...encrypt }
  validateConfig(SpokeConfigSchema, raw, configFile)
  const dir = dirname(configFile)
  await fs.mkdir(dir, { recursive: true, mode: 0o755 })
  await ensureDir(join(dir, 'keys'), 0o700)
  await ensureDir(join(dir, 'state'), 0o700)
  const key = await spokeKey(join(dir, 'keys', 'spoke_ed25519'), service)
  const header = `# roost spoke config, written by \`roost spoke init\`. The hub's host key below was pinned then:\n# fingerprint ${hostKey.fingerprint}\n`
  await writeFileNew(configFile, header + dumpYaml(raw), 0o600)
  return {
    config: configFile,
    service,
    key,
    hub: { ...hub, hostKey: hostKey.line, fingerprint: hostKey.fingerprint, pinnedFrom: o.hubKey ? 'argument' : 'ssh-keyscan' },
    register: `roost hub add-service ${service} --key '${key.line}'`,
    encryptTo: [...(o.encryptTo ?? [])],
  }
}

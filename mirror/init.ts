/**
 * `roost mirror init DIR`: a new mirror root. Writes mirror.yaml (0600, never over an
 * existing one), makes the mirror's key (0600 in a 0700 folder), the store, staging and
 * state folders, and pins two keys: the upstream's SSH host key (given, or read with
 * ssh-keyscan: trust on first use) and the hub's index key (required: it is what makes
 * every copy of the tree verifiable). Returns the line to run on the hub.
 */
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { RoostError } from '../lib/errors.js'
import { run } from '../lib/proc/run.js'
import { parsePublicKey, readPrivateKey, readPublicKeyArg, type PublicKey } from '../lib/sign.js'
import { assertName } from '../lib/formats/names.js'
import { dumpYaml, validateConfig } from '../lib/config/load.js'
import { MirrorConfigSchema } from '../lib/config/mirror.js'
import { ensureDir, writeFileNew } from '../lib/fsx/atomic.js'

export interface MirrorInitOptions {
  dir: string
  /** HOST:PORT, [V6]:PORT or HOST (port 2222). */
  upstream: string
  name: string
  /** The hub's index key: a line or a .pub file. */
  indexKey: string
  /** The upstream's SSH host key: a line or a .pub file; read with ssh-keyscan when absent. */
  hostKey?: string
}

export interface MirrorInitResult {
  config: string
  name: string
  upstream: { host: string; port: number; hostKey: string; fingerprint: string; pinnedFrom: 'argument' | 'ssh-keyscan' }
  indexKey: { line: string; fingerprint: string }
  key: { path: string; line: string; fingerprint: string; reused: boolean }
  /** The command to run on the hub to let this mirror read. */
  register: string
}

/** Splits `host:port`, `[v6]:port` or `host`. Pure. */
export function parseUpstream(text: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text)
  const port = m?.[2] === undefined ? 2222 : Number(m[2])
  if (!m || !m[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RoostError('USAGE', `--upstream '${text}' is not HOST:PORT`, { hint: 'for example --upstream hub.example.org:2222' })
  }
  return { host: m[1], port }
}

/** Reads the upstream's ed25519 host key with ssh-keyscan. */
async function scanHostKey(host: string, port: number): Promise<PublicKey> {
  const r = await run(['ssh-keyscan', '-T', '10', '-t', 'ed25519', '-p', String(port), host], { code: 'HUB_UNREACHABLE', what: `ssh-keyscan of ${host}:${port}`, timeout: 30_000 })
  for (const line of r.stdout.split('\n')) {
    const [, type, blob] = line.trim().split(/\s+/)
    if (!line.startsWith('#') && type === 'ssh-ed25519' && blob) return parsePublicKey(`${type} ${blob}`, `the host key of ${host}:${port}`)
  }
  throw new RoostError('HUB_UNREACHABLE', `could not read an ed25519 host key from ${host}:${port}`, {
    hint: 'is the upstream running and reachable? Or pass --host-key with the host key `roost hub init` printed',
  })
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

/** Makes the mirror's key, or reuses one left by an interrupted init (it must be 0600). */
async function mirrorKey(path: string, name: string): Promise<MirrorInitResult['key']> {
  const comment = `roost-mirror-${name}`
  const reused = await exists(path)
  if (!reused) await run(['ssh-keygen', '-t', 'ed25519', '-N', '', '-q', '-C', comment, '-f', path], { code: 'TOOL_FAILED', what: 'ssh-keygen' })
  const key = await readPrivateKey(path)
  return { path, line: `${key.public.line} ${comment}`, fingerprint: key.public.fingerprint, reused }
}

/** Creates the mirror root. Refuses (CONFIG_EXISTS, exit 2) when DIR/mirror.yaml exists. */
export async function initMirror(o: MirrorInitOptions): Promise<MirrorInitResult> {
  const name = assertName(o.name, 'mirror name')
  const { host, port } = parseUpstream(o.upstream)
  const dir = resolve(o.dir)
  const config = join(dir, 'mirror.yaml')
  if (await exists(config)) throw new RoostError('CONFIG_EXISTS', `${config} already exists; refusing to overwrite it`, { hint: 'choose another folder, or remove the old mirror first' })
  const indexKey = await readPublicKeyArg(o.indexKey, '--index-key')
  const hostKey = o.hostKey ? await readPublicKeyArg(o.hostKey, '--host-key') : await scanHostKey(host, port)
  const cfg = { name, upstream: { host, port, hostKey: hostKey.line }, indexKey: indexKey.line, key: 'keys/mirror_ed25519', root: '.' }
  validateConfig(MirrorConfigSchema, cfg, config)
  await fs.mkdir(dir, { recursive: true, mode: 0o755 })
  await ensureDir(join(dir, 'keys'), 0o700)
  await ensureDir(join(dir, 'store'), 0o755)
  await ensureDir(join(dir, 'staging'), 0o700)
  await ensureDir(join(dir, 'state'), 0o700)
  const key = await mirrorKey(join(dir, cfg.key), name)
  await writeFileNew(config, dumpYaml(cfg), 0o600)
  return {
    config,
    name,
    upstream: { host, port, hostKey: hostKey.line, fingerprint: hostKey.fingerprint, pinnedFrom: o.hostKey ? 'argument' : 'ssh-keyscan' },
    indexKey: { line: indexKey.line, fingerprint: indexKey.fingerprint },
    key,
    register: `roost hub add-mirror ${name} --key '${key.line}'`,
  }
}

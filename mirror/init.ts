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
import { ensureKeyPair, readPublicKeyArg } from '../lib/sign.js'
import { assertName } from '../lib/formats/names.js'
import { dumpYaml, validateConfig } from '../lib/config/load.js'
import { MirrorConfigSchema } from '../lib/config/mirror.js'
import { parseEndpoint, scanHostKey } from '../lib/upstream.js'
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
  /** HOST:PORT this mirror will serve downstream mirrors on (`roost mirror serve`): makes its host key. */
  serve?: string
}

export interface MirrorInitResult {
  config: string
  name: string
  upstream: { host: string; port: number; hostKey: string; fingerprint: string; pinnedFrom: 'argument' | 'ssh-keyscan' }
  indexKey: { line: string; fingerprint: string }
  key: { path: string; line: string; fingerprint: string; reused: boolean }
  /** The command to run on the hub to let this mirror read. */
  register: string
  /** With --serve: where it will listen and its SSH host key. */
  serve?: { host: string; port: number; hostKey: { line: string; fingerprint: string } }
}

async function exists(path: string): Promise<boolean> {
  return fs.lstat(path).then(() => true, () => false)
}

/** Makes the mirror's key, or reuses one left by an interrupted init (it must be 0600). */
async function mirrorKey(path: string, name: string): Promise<MirrorInitResult['key']> {
  const { key, line, reused } = await ensureKeyPair(path, `roost-mirror-${name}`)
  return { path, line, fingerprint: key.public.fingerprint, reused }
}

/** Creates the mirror root. Refuses (CONFIG_EXISTS, exit 2) when DIR/mirror.yaml exists. */
export async function initMirror(o: MirrorInitOptions): Promise<MirrorInitResult> {
  const name = assertName(o.name, 'mirror name')
  const { host, port } = parseEndpoint(o.upstream, '--upstream')
  const dir = resolve(o.dir)
  const config = join(dir, 'mirror.yaml')
  if (await exists(config)) throw new RoostError('CONFIG_EXISTS', `${config} already exists; refusing to overwrite it`, { hint: 'choose another folder, or remove the old mirror first' })
  const indexKey = await readPublicKeyArg(o.indexKey, '--index-key')
  const hostKey = o.hostKey ? await readPublicKeyArg(o.hostKey, '--host-key') : await scanHostKey(host, port, '--host-key')
  const serve = o.serve === undefined ? undefined : parseEndpoint(o.serve, '--serve', { anyPort: true })
  const cfg = { name, upstream: { host, port, hostKey: hostKey.line }, indexKey: indexKey.line, key: 'keys/mirror_ed25519', root: '.', ...(serve ? { serve: { listen: serve } } : {}) }
  validateConfig(MirrorConfigSchema, cfg, config)
  await fs.mkdir(dir, { recursive: true, mode: 0o755 })
  await ensureDir(join(dir, 'keys'), 0o700)
  await ensureDir(join(dir, 'store'), 0o755)
  await ensureDir(join(dir, 'staging'), 0o700)
  await ensureDir(join(dir, 'state'), 0o700)
  const key = await mirrorKey(join(dir, cfg.key), name)
  const serveKey = serve ? await ensureKeyPair(join(dir, 'keys', 'host_ed25519'), `roost-mirror-host-${name}`) : undefined
  await writeFileNew(config, dumpYaml(cfg), 0o600)
  return {
    config,
    name,
    upstream: { host, port, hostKey: hostKey.line, fingerprint: hostKey.fingerprint, pinnedFrom: o.hostKey ? 'argument' : 'ssh-keyscan' },
    indexKey: { line: indexKey.line, fingerprint: indexKey.fingerprint },
    key,
    register: `roost hub add-mirror ${name} --key '${key.line}'`,
    ...(serve && serveKey ? { serve: { ...serve, hostKey: { line: serveKey.line, fingerprint: serveKey.key.public.fingerprint } } } : {}),
  }
}

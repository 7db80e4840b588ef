/**
 * `roost mirror add-mirror NAME --key PUBKEY`: lets a downstream mirror read this one. Adds
 * it to mirror.yaml's `mirrors` (and a `serve` section with its defaults when there is none),
 * makes this mirror's SSH host key on first use, and returns what the downstream's admin
 * needs for `roost mirror init`. mirror.yaml is rewritten atomically (0600); comments in it
 * are not kept. A running `mirror serve` sees the change at the next login.
 */
import { dirname, join } from 'node:path'
import { RoostError } from '../lib/errors.js'
import { assertName } from '../lib/formats/names.js'
import { dumpYaml, loadRawYaml, validateConfig } from '../lib/config/load.js'
import { MirrorConfigSchema, mirrorPaths } from '../lib/config/mirror.js'
import { ensureKeyPair, parsePublicKey, readPublicKeyArg } from '../lib/sign.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { traceDir } from '../lib/ssh/mirror-account.js'
import { accountsDir } from './trace.js'

export interface AddMirrorResult {
  name: string
  fingerprint: string
  config: string
  listen: { host: string; port: number }
  hostKey: { line: string; fingerprint: string; made: boolean }
  /** What the downstream mirror's admin runs. */
  init: string
}

export async function addDownstreamMirror(configFile: string, name: string, key: string): Promise<AddMirrorResult> {
  assertName(name, 'mirror name')
  const pub = await readPublicKeyArg(key, '--key')
  const raw = (await loadRawYaml(configFile)) as Record<string, unknown>
  const before = validateConfig(MirrorConfigSchema, raw, configFile)
  if (before.name === name) throw new RoostError('USAGE', `'${name}' is this mirror's own name`, { hint: 'give the downstream mirror a name of its own' })
  const mirrors = { ...((raw.mirrors as Record<string, unknown> | undefined) ?? {}) }
  for (const [other, entry] of Object.entries(before.mirrors)) {
    if (other !== name && parsePublicKey(entry.key).line === pub.line) throw new RoostError('USAGE', `that key already belongs to mirror '${other}'`, { hint: 'each mirror has a key of its own' })
  }
  mirrors[name] = { key: pub.line }
  const next = { ...raw, mirrors, serve: raw.serve ?? { listen: { host: '127.0.0.1', port: 2223 } } }
  const config = validateConfig(MirrorConfigSchema, next, configFile)
  const paths = mirrorPaths(config, configFile)
  await ensureDir(dirname(paths.hostKey), 0o700)
  const host = await ensureKeyPair(paths.hostKey, `roost-mirror-host-${config.name}`)
  await ensureDir(accountsDir(paths), 0o700)
  await ensureDir(join(accountsDir(paths), name), 0o700)
  await ensureDir(traceDir(accountsDir(paths), name), 0o700)
  await writeFileAtomic(paths.config, dumpYaml(next), 0o600)
  const listen = config.serve!.listen
  const at = listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`
  return {
    name,
    fingerprint: pub.fingerprint,
    config: paths.config,
    listen,
    hostKey: { line: host.line, fingerprint: host.key.public.fingerprint, made: !host.reused },
    init: `roost mirror init DIR --upstream ${at} --name ${name} --index-key '${config.indexKey}' --host-key '${host.line}'`,
  }
}

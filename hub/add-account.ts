/**
 * `roost hub add-service` and `add-mirror`: register an account in hub.yaml (rewritten
 * atomically, 0600, every other entry kept) and make its folders. A running hub sees the new
 * account at its next login (it re-reads hub.yaml when the file changes).
 */
import { loadHubConfig, type HubPaths } from '../lib/config/hub.js'
import { parseDuration, parseSize } from '../lib/config/units.js'
import { RoostError } from '../lib/errors.js'
import { assertName } from '../lib/formats/names.js'
import { parsePublicKey, readPublicKeyArg } from '../lib/sign.js'
import { ensureMirrorLayout, ensureServiceLayout, incomingDir } from './accounts.js'
import { hubYamlValues, writeHubYaml } from './hub-yaml.js'
import { join } from 'node:path'

export interface AddAccountOptions {
  configFile: string
  kind: 'service' | 'mirror'
  name: string
  /** A key line or a .pub file. */
  key: string
  quota?: string
  every?: string
}

export interface AddAccountResult {
  kind: 'service' | 'mirror'
  name: string
  fingerprint: string
  config: string
  listen: { host: string; port: number }
  incoming?: string
  store?: string
}

/** Which account in hub.yaml already uses this key line, if any. */
function keyOwner(values: { services: Record<string, { key: string }>; mirrors: Record<string, { key: string }> }, line: string): string | undefined {
  const all = [...Object.entries(values.services).map(([n, a]) => [`service '${n}'`, a.key] as const), ...Object.entries(values.mirrors).map(([n, a]) => [`mirror '${n}'`, a.key] as const)]
  for (const [who, key] of all) {
    try {
      if (parsePublicKey(key).line === line) return who
    } catch {
      // an unparsable key in hub.yaml belongs to nobody
    }
  }
  return undefined
}

function serviceEntry(line: string, o: AddAccountOptions): Record<string, unknown> {
  const entry: Record<string, unknown> = { key: line }
  if (o.quota !== undefined) {
    if (parseSize(o.quota) === undefined) throw new RoostError('USAGE', `--quota '${o.quota}' is not a size like 50G`)
    entry.quota = o.quota
  }
  if (o.every !== undefined) {
    if (parseDuration(o.every) === undefined) throw new RoostError('USAGE', `--every '${o.every}' is not a duration like 24h or 7d`)
    entry.every = o.every
  }
  return entry
}

/** Adds a service or mirror account. Throws SERVICE_EXISTS (exit 2) for a taken name or key. */
export async function addAccount(o: AddAccountOptions): Promise<AddAccountResult> {
  assertName(o.name, `${o.kind} name`)
  const key = await readPublicKeyArg(o.key, '--key')
  const { config, paths } = await loadHubConfig(o.configFile)
  if (Object.hasOwn(config.services, o.name) || Object.hasOwn(config.mirrors, o.name)) {
    const was = Object.hasOwn(config.services, o.name) ? 'service' : 'mirror'
    throw new RoostError('SERVICE_EXISTS', `${o.configFile} already has a ${was} named '${o.name}'`, { hint: 'choose another name, or edit hub.yaml to change its key' })
  }
  const owner = keyOwner(config, key.line)
  if (owner) throw new RoostError('SERVICE_EXISTS', `this key (${key.fingerprint}) is already registered for ${owner}`, { hint: 'every service and mirror needs its own key' })
  const values = hubYamlValues(config) as { services: Record<string, unknown>; mirrors: Record<string, unknown> }
  if (o.kind === 'service') values.services = { ...values.services, [o.name]: serviceEntry(key.line, o) }
  else values.mirrors = { ...values.mirrors, [o.name]: { key: key.line } }
  await writeHubYaml(o.configFile, values)
  if (o.kind === 'service') await ensureServiceLayout(paths, o.name)
  else await ensureMirrorLayout(paths, o.name)
  return {
    kind: o.kind,
    name: o.name,
    fingerprint: key.fingerprint,
    config: o.configFile,
    listen: { host: config.listen.host, port: config.listen.port },
    ...(o.kind === 'service' ? serviceFolders(paths, o.name) : {}),
  }
}

function serviceFolders(paths: HubPaths, name: string): { incoming: string; store: string } {
  return { incoming: incomingDir(paths, name), store: join(paths.store, name) }
}

/** The text add-service / add-mirror print. */
export function renderAdd(r: AddAccountResult): string {
  const lines = [`added ${r.kind} '${r.name}' (key ${r.fingerprint}) to ${r.config}`]
  if (r.kind === 'service') {
    lines.push(`  it uploads to ${r.name}@HUB:/<generation>/ (its incoming ${r.incoming}), and reads ${r.store}`)
  } else {
    lines.push(`  it may read the whole store (read-only), e.g. ${r.name}@HUB:/TREE.json`)
  }
  lines.push('  a running hub accepts the new key at once; no restart needed')
  return lines.join('\n')
}

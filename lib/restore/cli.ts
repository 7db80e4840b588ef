/** `roost restore`: bring a generation back, with its chain, from any tier; or list it. */
import type { Command } from 'commander'
import { promises as fs } from 'node:fs'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../cli.js'
import { RoostError } from '../errors.js'
import { parsePublicKey, readPublicKeyArg, type PublicKey } from '../sign.js'
import { loadSpokeConfig } from '../config/spoke.js'
import { loadMirrorConfig } from '../config/mirror.js'
import { formatBytes } from '../config/units.js'
import { HubReader } from '../stores/hub.js'
import { StoreFolderReader } from '../stores/store-folder.js'
import { RemoteStoreReader } from '../stores/remote-store.js'
import { BucketReader, RCLONE_PREFIX } from '../stores/bucket.js'
import { VolumeSetReader } from '../stores/volume-set.js'
import { findVolumes } from '../volumes/open-set.js'
import { TREE_FILE } from '../formats/tree.js'
import type { Logger } from '../log.js'
import { SpokeLocalReader } from '../stores/spoke-local.js'
import type { StoreReader } from '../stores/store-reader.js'
import { restoreGeneration, type RestoreResult } from './restore.js'
import { listGeneration, renderListing } from './list.js'
import { parseAtTime } from './choose.js'
import { hookFailures, planHooks, runHooks, type HookRun } from '../hooks.js'
import { hookEnvNameProblem, type Hook } from '../config/spoke.js'
import { dirname, resolve } from 'node:path'

interface RestoreCliOptions {
  from: string
  to?: string
  at?: string
  path: string[]
  list?: boolean
  force?: boolean
  keepSetuid?: boolean
  keepDevices?: boolean
  indexKey?: string
  catalogKey?: string
  identity?: string
  config?: string
  rcloneConfig?: string
  hooks?: string
  hookEnv: string[]
}

/**
 * The index key for a store folder: --index-key, else the `indexKey` of the mirror config
 * named by --config / ROOST_CONFIG (or /etc/roost/mirror.yaml when it exists).
 */
async function indexKeyFor(opts: Pick<RestoreCliOptions, 'indexKey' | 'config'>): Promise<PublicKey> {
  if (opts.indexKey) return readPublicKeyArg(opts.indexKey, '--index-key')
  const explicit = opts.config ?? process.env.ROOST_CONFIG
  const file = explicit ?? configPath('mirror', undefined)
  if (!explicit && !(await fs.stat(file).catch(() => undefined))) {
    throw new RoostError('USAGE', 'a store folder is trusted only through its index key: pass --index-key LINE|FILE', {
      hint: "the hub's index key is keys/index_ed25519.pub in the hub root; or pass --config with a mirror.yaml",
    })
  }
  try {
    const { config } = await loadMirrorConfig(file)
    return parsePublicKey(config.indexKey, `${file}: indexKey`)
  } catch (err) {
    if (err instanceof RoostError && err.code === 'CONFIG_INVALID') {
      throw new RoostError('CONFIG_INVALID', err.message, { cause: err, hint: 'restoring from a store folder reads the index key from a mirror.yaml; or pass --index-key' })
    }
    throw err
  }
}

/**
 * rclone's config for `--from rclone:…`: --rclone-config, else the bucket.rcloneConfig of the
 * mirror.yaml named by --config / ROOST_CONFIG, else rclone's own default.
 */
async function rcloneConfigFor(opts: Pick<RestoreCliOptions, 'rcloneConfig' | 'config'>): Promise<{ config?: string }> {
  if (opts.rcloneConfig) return { config: resolve(opts.rcloneConfig) }
  const explicit = opts.config ?? process.env.ROOST_CONFIG
  if (!explicit) return {}
  const { config } = await loadMirrorConfig(explicit)
  return config.bucket?.rcloneConfig ? { config: resolve(dirname(resolve(explicit)), config.bucket.rcloneConfig) } : {}
}

/**
 * Opens the reader for --from: 'hub' or 'local' (with the spoke's config), a bucket
 * (`rclone:REMOTE:path`), a store folder (it has TREE.json), or a folder of disc images or
 * mounted discs.
 */
export async function openReader(opts: Pick<RestoreCliOptions, 'from' | 'indexKey' | 'config' | 'catalogKey' | 'rcloneConfig'>, log?: Logger): Promise<StoreReader> {
  if (opts.from === 'hub' || opts.from === 'local') {
    const { config, paths } = await loadSpokeConfig(configPath('spoke', opts.config))
    return opts.from === 'hub' ? HubReader.open(config, paths) : SpokeLocalReader.open(config, paths)
  }
  if (opts.from === 'upstream') {
    const { config, paths } = await loadMirrorConfig(configPath('mirror', opts.config))
    return RemoteStoreReader.open(config, paths)
  }
  if (opts.from.startsWith(RCLONE_PREFIX)) {
    const remote = opts.from.slice(RCLONE_PREFIX.length)
    if (!/^[A-Za-z0-9_.-]+:/.test(remote)) throw new RoostError('USAGE', `--from ${opts.from}: expected rclone:REMOTE:path, e.g. rclone:s3:roost-tree`)
    return BucketReader.open(remote, await rcloneConfigFor(opts), await indexKeyFor(opts))
  }
  const isStore = await fs.stat(resolve(opts.from, TREE_FILE)).then(() => true, () => false)
  if (isStore || !(await fs.stat(opts.from).then(s => s.isDirectory(), () => false))) return StoreFolderReader.open(opts.from, await indexKeyFor(opts))
  const catalogKey = opts.catalogKey ? await readPublicKeyArg(opts.catalogKey, '--catalog-key') : undefined
  const indexKey = await indexKeyFor(opts)
  const volumes = await findVolumes(opts.from)
  if (!volumes.length) {
    throw new RoostError('INDEX_MISSING', `${resolve(opts.from)} is neither a store folder (it has no ${TREE_FILE}) nor a folder of disc images or mounted discs`, {
      hint: "point --from at a mirror's store/, a copy of the hub's store/, or the folder holding a set's .iso images",
    })
  }
  return VolumeSetReader.open(opts.from, indexKey, { volumes, ...(catalogKey ? { catalogKey } : {}), ...(log ? { log } : {}) })
}

/** What a restore from discs adds to its result: the discs read and the sets par2 repaired. */
interface DiscsUsed {
  discs?: { used: string[]; repaired: string[] }
}

function discsOf(reader: StoreReader): DiscsUsed {
  return reader instanceof VolumeSetReader ? { discs: { used: [...reader.used].sort(), repaired: [...reader.repairedSets] } } : {}
}

function renderDiscs(d: DiscsUsed): string {
  if (!d.discs) return ''
  return `\nread discs ${d.discs.used.join(', ') || 'none'}${d.discs.repaired.length ? `; repaired set${d.discs.repaired.length > 1 ? 's' : ''} ${d.discs.repaired.join(', ')} with par2` : ''}`
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v]
}

function renderRestore(r: RestoreResult): string {
  const chain = r.chain.length > 1 ? ` (chain ${r.chain.join(' → ')})` : ''
  const only = r.paths ? ` only ${r.paths.join(', ')}` : ''
  const left = [
    ...(r.setuidCleared.length ? [`setuid/setgid bits cleared on ${r.setuidCleared.length} file${r.setuidCleared.length === 1 ? '' : 's'} (--keep-setuid keeps them): ${r.setuidCleared.slice(0, 5).join(', ')}${r.setuidCleared.length > 5 ? ', …' : ''}`] : []),
    ...(r.devicesLeftOut.length ? [`${r.devicesLeftOut.length} device node${r.devicesLeftOut.length === 1 ? '' : 's'} left out (--keep-devices keeps them): ${r.devicesLeftOut.slice(0, 5).join(', ')}${r.devicesLeftOut.length > 5 ? ', …' : ''}`] : []),
  ]
  return `restored ${r.service} ${r.generation}${chain}${only} from ${r.source} into ${r.to}: ${r.files} files, ${r.entries} entries, ${formatBytes(r.bytes)} verified${left.map(l => `\n  ${l}`).join('')}`
}

/** The restore hooks of the spoke.yaml named by --hooks: read before anything is restored. */
async function restoreHooks(file: string, service: string): Promise<Hook[]> {
  const { config } = await loadSpokeConfig(file)
  if (config.service !== service) throw new RoostError('USAGE', `--hooks ${file} is the config of service '${config.service}', not '${service}'`)
  if (!config.hooks.restore.length) throw new RoostError('USAGE', `--hooks ${file} defines no restore hooks (hooks.restore)`, { hint: 'restore without --hooks, or add the hooks that load the dump and restart the service' })
  return config.hooks.restore
}

async function run(service: string, generation: string | undefined, opts: RestoreCliOptions, ctx: Ctx): Promise<Output> {
  if (opts.hooks && opts.list) throw new RoostError('USAGE', '--hooks runs after a restore; --list restores nothing')
  if (opts.hookEnv.length && !opts.hooks) throw new RoostError('USAGE', '--hook-env is for the restore hooks: give --hooks spoke.yaml too')
  const hookEnv = parseHookEnv(opts.hookEnv)
  const hooks = opts.hooks ? await restoreHooks(opts.hooks, service) : undefined
  const sel = { ...(generation ? { generation } : {}), ...(opts.at ? { at: parseAtTime(opts.at) } : {}) }
  if (sel.generation && sel.at) throw new RoostError('USAGE', 'give a generation or --at TIME, not both')
  if (!opts.list && !opts.to) throw new RoostError('USAGE', "--to DIR is required (or --list to show the generation's files)")
  const paths = { ...(opts.path.length ? { paths: opts.path } : {}), ...(opts.identity ? { identity: opts.identity } : {}) }
  const reader = await openReader(opts, ctx.log)
  try {
    if (opts.list) {
      const r = await listGeneration({ reader, service, ...sel, ...paths, log: ctx.log })
      return { json: r, text: renderListing(r) }
    }
    const restored = await restoreGeneration({ reader, service, ...sel, ...paths, to: opts.to!, force: opts.force ?? false, keepSetuid: opts.keepSetuid ?? false, keepDevices: opts.keepDevices ?? false, log: ctx.log })
    const r: RestoreResult & DiscsUsed = { ...restored, ...discsOf(reader) }
    if (!hooks) return { json: r, text: renderRestore(r) + renderDiscs(r) }
    const runs = await runHooks(planHooks(hooks, 'restore', { service, generation: r.generation, kind: r.kind, restoreDir: resolve(r.to) }, hookEnv), ctx.log)
    const failure = hookFailures(runs)
    if (failure) {
      throw new RoostError('HOOK_FAILED', `${renderRestore(r)}; then ${failure}`, { hint: 'the restored files are in place; fix the hook and run it by hand, or restore again with --force --hooks', detail: { generation: r.generation, hooks: runs } })
    }
    return { json: { ...r, hooks: runs }, text: `${renderRestore(r)}${renderDiscs(r)}\n${renderHooks(runs)}` }
  } finally {
    await reader.close?.()
  }
}

function renderHooks(runs: readonly HookRun[]): string {
  return runs
    .map(h => `  restore hook '${h.name}': ok in ${h.ms} ms${h.output ? `\n${h.output.split('\n').map(l => `    ${l}`).join('\n')}` : ''}`)
    .join('\n')
}

/** --hook-env NAME=VALUE options as an environment; a bad name is a usage error. Pure. */
export function parseHookEnv(items: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new RoostError('USAGE', `--hook-env ${item}: expected NAME=VALUE`)
    const name = item.slice(0, eq)
    const problem = hookEnvNameProblem(name)
    if (problem) throw new RoostError('USAGE', `--hook-env ${problem}`)
    env[name] = item.slice(eq + 1)
  }
  return env
}

export function registerRestore(program: Command, runAction: RunAction): void {
  const cmd = program
    .command('restore')
    .description('restore a generation of a service with its whole chain, verified before anything is written')
    .argument('<service>', 'the service to restore')
    .argument('[generation]', 'a generation id (default: the newest)')
    .requiredOption('--from <source>', "'hub' (the spoke's config), 'local' (this spoke's kept copies), 'upstream' (the hub or serving mirror the mirror.yaml given with --config pulls from, over SSH), a store folder (a mirror's store/, a copy of the hub's), a bucket as rclone:REMOTE:path (a mirror's bucket.remote), or a folder of disc images (or mounted discs) of one or more sets")
    .option('--to <dir>', 'the folder to restore into (archived paths land below it: /srv/wiki → DIR/srv/wiki)')
    .option('--at <time>', 'the newest generation at or before TIME (2026-11-20T12:00:00Z, or 2026-11-20 for the end of that day UTC)')
    .option('--path <path>', 'restore only this path as it was on the source host, e.g. /srv/wiki/pages (repeatable)', collect, [] as string[])
    .option('--list', "print the generation's files (mode owner size mtime path) and restore nothing")
    .option('--force', 'restore into a non-empty folder')
    .option('--keep-setuid', 'keep set-user-ID/set-group-ID bits on files (cleared by default: an archive is the spoke\'s word)')
    .option('--keep-devices', 'keep character and block device nodes (left out by default)')
    .option('--identity <file>', "the age identity (kept offline) that opens an encrypted service's archives")
    .option('--index-key <key>', "the hub's index key (line or .pub file) that signs a store folder's TREE.json")
    .option('--catalog-key <key>', "discs: the mirror key (line or .pub file) the set's catalog must be signed with (default: the signer it names; the index key is checked either way)")
    .option('--config <file>', "spoke.yaml for --from hub|local; a mirror.yaml supplies the index key for a store folder or a bucket (and rclone's config for a bucket)")
    .option('--rclone-config <file>', "rclone's config file for --from rclone:REMOTE:path (default: the mirror.yaml's bucket.rcloneConfig, else rclone's own)")
    .option('--hooks <spoke.yaml>', "after the files are in place, run this spoke.yaml's restore hooks (load the dump, fix ownership, restart); they get ROOST_RESTORE_DIR")
    .option('--hook-env <name=value>', 'set this in the restore hooks\' environment, over the config\'s env (e.g. PITR_TARGET_TIME=…; repeatable)', collect, [] as string[])
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost restore wiki --at 2026-11-20 --from /srv/roost-mirror/store --config /etc/roost/mirror.yaml --to /tmp/wiki --path /srv/wiki/pages')
  runAction(cmd, run)
}

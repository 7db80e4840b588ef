/** `roost restore`: bring a generation back from any tier. */
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
import type { StoreReader } from '../stores/store-reader.js'
import { restoreGeneration } from './restore.js'

interface RestoreCliOptions {
  from: string
  to: string
  force?: boolean
  indexKey?: string
  config?: string
}

/**
 * The index key for a store folder: --index-key, else the `indexKey` of the mirror config
 * named by --config / ROOST_CONFIG (or /etc/roost/mirror.yaml when it exists).
 */
async function indexKeyFor(opts: RestoreCliOptions): Promise<PublicKey> {
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

/** Opens the reader for --from: 'hub' (the spoke's config) or a store folder. */
export async function openReader(opts: RestoreCliOptions): Promise<StoreReader> {
  if (opts.from === 'hub') {
    const { config, paths } = await loadSpokeConfig(configPath('spoke', opts.config))
    return HubReader.open(config, paths)
  }
  return StoreFolderReader.open(opts.from, await indexKeyFor(opts))
}

export function registerRestore(program: Command, runAction: RunAction): void {
  const cmd = program
    .command('restore')
    .description('restore a generation of a service, verified before anything is written')
    .argument('<service>', 'the service to restore')
    .argument('[generation]', 'a generation id (default: the newest)')
    .requiredOption('--from <source>', "'hub' (uses the spoke's config) or a store folder (a mirror's store/, a copy of the hub's)")
    .requiredOption('--to <dir>', 'the folder to restore into (archived paths land below it: /srv/wiki → DIR/srv/wiki)')
    .option('--force', 'restore into a non-empty folder')
    .option('--index-key <key>', "the hub's index key (line or .pub file) that signs a store folder's TREE.json")
    .option('--config <file>', 'spoke.yaml for --from hub; a mirror.yaml supplies the index key for a store folder')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost restore wiki --from /srv/roost-mirror/store --config /etc/roost/mirror.yaml --to /tmp/wiki')
  runAction(cmd, async (service: string, generation: string | undefined, opts: RestoreCliOptions, ctx: Ctx): Promise<Output> => {
    const reader = await openReader(opts)
    try {
      const r = await restoreGeneration({ reader, service, ...(generation ? { generation } : {}), to: opts.to, force: opts.force ?? false, log: ctx.log })
      return {
        json: r,
        text: `restored ${r.service} ${r.generation} from ${r.source} into ${r.to}: ${r.files} files, ${r.entries} entries, ${formatBytes(r.bytes)} verified`,
      }
    } finally {
      await reader.close?.()
    }
  })
}

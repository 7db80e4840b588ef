/** The mirror role's commands: init, sync, verify. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { EXIT } from '../lib/errors.js'
import { loadMirrorConfig } from '../lib/config/mirror.js'
import { formatBytes } from '../lib/config/units.js'
import { describeProblems } from '../lib/stores/check-files.js'
import { initMirror } from './init.js'
import { syncMirror } from './sync.js'
import { verifyMirror } from './verify.js'

interface InitOpts {
  upstream: string
  name: string
  indexKey: string
  hostKey?: string
}

function registerInit(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('init')
    .description("make a mirror root: config, key, store; pin the upstream's host key and the hub's index key")
    .argument('<dir>', 'the mirror root to create')
    .requiredOption('--upstream <host:port>', 'the hub (or an upstream mirror) to pull from')
    .requiredOption('--name <name>', "this mirror's account name on the upstream")
    .requiredOption('--index-key <key>', "the hub's index key (a line or a .pub file), as `roost hub init` printed it")
    .option('--host-key <key>', "the upstream's SSH host key (a line or a .pub file); read with ssh-keyscan when absent")
    .option('--json', 'print the result as JSON')
  withHelp(cmd, "roost mirror init /srv/roost-mirror --upstream hub.example.org:2222 --name mirror1 --index-key 'ssh-ed25519 AAAA…'")
  runAction(cmd, async (dir: string, o: InitOpts): Promise<Output> => {
    const r = await initMirror({ dir, upstream: o.upstream, name: o.name, indexKey: o.indexKey, ...(o.hostKey ? { hostKey: o.hostKey } : {}) })
    const text = [
      `mirror '${r.name}' initialised: ${r.config}`,
      `pinned the upstream's host key for ${r.upstream.host}:${r.upstream.port} (${r.upstream.pinnedFrom === 'argument' ? 'from --host-key' : 'read with ssh-keyscan; compare it with the hub'}): ${r.upstream.fingerprint}`,
      `pinned the hub's index key: ${r.indexKey.fingerprint}`,
      `${r.key.reused ? 'kept the existing' : 'made a new'} key ${r.key.path} (${r.key.fingerprint})`,
      'register this mirror on the hub:',
      `  ${r.register}`,
    ].join('\n')
    return { json: r, text }
  })
}

function registerSync(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('sync')
    .description('pull once: verify the signed index, fetch and verify new generations, publish the index, then prune')
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost mirror sync --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadMirrorConfig(configPath('mirror', o.config))
    const r = await syncMirror(config, paths, ctx.log, ctx.now)
    const text = r.upToDate
      ? `up to date at serial ${r.serial}`
      : `published serial ${r.serial}${r.from === null ? '' : ` (was ${r.from})`}: fetched ${r.fetched.length} generation${r.fetched.length === 1 ? '' : 's'} (${formatBytes(r.bytes)}), repaired ${r.repaired.length}, removed ${r.removed.length}`
    return { json: r, text }
  })
}

function registerVerify(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('verify')
    .description('rehash every file of the published tree; exit 3 on any missing or damaged file')
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost mirror verify --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadMirrorConfig(configPath('mirror', o.config))
    const r = await verifyMirror(config, paths, ctx.log, ctx.now)
    const summary = `serial ${r.serial}: ${r.services} services, ${r.generations} generations, ${r.files} files, ${formatBytes(r.bytes)} checked`
    if (r.ok) return { json: r, text: `verified ${summary}` }
    const text = `verification FAILED, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${summary}):\n${describeProblems(r.problems)}\nthe next roost mirror sync repairs them`
    return { json: r, text, exitCode: EXIT.VERIFY }
  })
}

export function registerMirror(program: Command, runAction: RunAction): void {
  const role = program.command('mirror').description('the mirror role: pull, verify and keep a copy of the hub\'s store')
  registerInit(role, runAction)
  registerSync(role, runAction)
  registerVerify(role, runAction)
}

/** The hub role's commands: init, add-service, add-mirror, serve, status. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { loadHubConfig } from '../lib/config/hub.js'
import { RoostError } from '../lib/errors.js'
import { addAccount, renderAdd } from './add-account.js'
import { initHub, renderInit } from './init.js'
import { serveHub } from './serve.js'
import { hubStatus } from './status.js'

const CONFIG_HELP = 'hub.yaml (default: ROOST_CONFIG or /etc/roost/hub.yaml)'

function parsePort(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RoostError('USAGE', `--port '${v}' is not a port number (0-65535)`)
  return n
}

function registerInit(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('init')
    .description('make a new hub root: hub.yaml, SSH host key, index key, folders, an empty signed index')
    .argument('<dir>', 'the hub root to create (hub.yaml goes there)')
    .option('--port <n>', 'the SSH port the hub will listen on', '2222')
    .option('--listen <host>', 'the address the hub will listen on', '127.0.0.1')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub init /srv/roost-hub --port 2222 --listen 0.0.0.0')
  runAction(cmd, async (dir: string, o: { port: string; listen: string }, ctx: Ctx): Promise<Output> => {
    const r = await initHub({ dir, port: parsePort(o.port), host: o.listen, log: ctx.log, now: ctx.now() })
    return { json: r, text: renderInit(r) }
  })
}

function registerAdd(role: Command, runAction: RunAction, kind: 'service' | 'mirror'): void {
  const cmd = role
    .command(`add-${kind}`)
    .description(kind === 'service' ? 'register a service account (it may upload into its own incoming only)' : 'register a read-only mirror account')
    .argument('<name>', `the ${kind} name (also its SSH user name)`)
    .requiredOption('--key <key>', "its public key: an 'ssh-ed25519 …' line or a .pub file")
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  if (kind === 'service') {
    cmd.option('--quota <size>', 'most the service may keep on the hub, e.g. 50G').option('--every <duration>', 'how often it is expected to deliver, e.g. 24h (default 1d)')
  }
  withHelp(cmd, kind === 'service' ? "roost hub add-service wiki --key 'ssh-ed25519 AAAA…' --quota 50G --every 24h" : 'roost hub add-mirror mirror1 --key /tmp/mirror1.pub')
  runAction(cmd, async (name: string, o: { key: string; config?: string; quota?: string; every?: string }): Promise<Output> => {
    const r = await addAccount({ configFile: configPath('hub', o.config), kind, name, key: o.key, ...(o.quota === undefined ? {} : { quota: o.quota }), ...(o.every === undefined ? {} : { every: o.every }) })
    return { json: r, text: renderAdd(r) }
  })
}

function registerServe(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('serve')
    .description('the hub daemon: SSH front door, ingest, index (stops on SIGTERM or SIGINT)')
    .option('--config <file>', CONFIG_HELP)
  withHelp(cmd, 'roost hub serve --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<void> => {
    await serveHub({ configFile: configPath('hub', o.config), log: ctx.log, now: ctx.now })
  })
}

function registerStatus(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('status')
    .description('every service (last generation, age, size, rejects) and every mirror')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub status --config /srv/roost-hub/hub.yaml --json')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadHubConfig(configPath('hub', o.config))
    return hubStatus(paths, config, ctx.now())
  })
}

/** Registers `roost hub init|add-service|add-mirror|serve|status`. */
export function registerHub(program: Command, runAction: RunAction): void {
  const role = program.command('hub').description('the hub role: collect backups from spokes, feed mirrors')
  registerInit(role, runAction)
  registerAdd(role, runAction, 'service')
  registerAdd(role, runAction, 'mirror')
  registerServe(role, runAction)
  registerStatus(role, runAction)
}

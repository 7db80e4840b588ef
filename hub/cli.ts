/** The hub role's commands: init, add-service, add-mirror, serve, status, prune, pin, unpin, reset, import. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { loadHubConfig } from '../lib/config/hub.js'
import { RoostError } from '../lib/errors.js'
import { addAccount, renderAdd } from './add-account.js'
import { initHub, renderInit } from './init.js'
import { hubStatus } from './status.js'
import { parseEndpoint } from '../lib/upstream.js'
import { pruneHub } from './retention/command.js'
import { pinGeneration, renderPin, unpinGeneration } from './pin.js'
import { renderReset, resetService } from './reset.js'
import { registerImport } from './import-cli.js'
import { registerDrill } from './drill-cli.js'

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
    .option('--http <addr>', 'serve the status page and /metrics on HOST:PORT (or PORT on 127.0.0.1); beyond loopback a token is made in keys/http_token')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub init /srv/roost-hub --port 2222 --listen 0.0.0.0 --http 127.0.0.1:8780')
  runAction(cmd, async (dir: string, o: { port: string; listen: string; http?: string }, ctx: Ctx): Promise<Output> => {
    const http = o.http === undefined ? undefined : /^\d+$/.test(o.http) ? { host: '127.0.0.1', port: parsePort(o.http) } : parseEndpoint(o.http, '--http')
    const r = await initHub({ dir, port: parsePort(o.port), host: o.listen, ...(http ? { http } : {}), log: ctx.log, now: ctx.now() })
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
    .description('the hub daemon: SSH front door, ingest, retention, index (stops on SIGTERM or SIGINT)')
    .option('--config <file>', CONFIG_HELP)
  withHelp(cmd, 'roost hub serve --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<void> => {
    const { serveHub } = await import('./serve.js') // the daemon's parts (ssh2, the watcher, mail) load only for it
    await serveHub({ configFile: configPath('hub', o.config), log: ctx.log, now: ctx.now })
  })
}

function registerStatus(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('status')
    .description('every service (last generation, age, size, pins, rejects, alerts) and every mirror')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub status --config /srv/roost-hub/hub.yaml --json')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadHubConfig(configPath('hub', o.config))
    return hubStatus(paths, config, ctx.now())
  })
}

function registerPrune(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('prune')
    .description("apply retention now: print every generation kept (with its reasons) and removed (with its reason)")
    .argument('[service]', 'only this service (default: every service in hub.yaml)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub prune wiki --dry-run --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (service: string | undefined, o: { dryRun?: boolean; config?: string }, ctx: Ctx): Promise<Output> =>
    pruneHub({ configFile: configPath('hub', o.config), service, dryRun: Boolean(o.dryRun), log: ctx.log, now: ctx.now() }),
  )
}

function registerPin(role: Command, runAction: RunAction): void {
  const pin = role
    .command('pin')
    .description('keep a generation (and everything it builds on) whatever retention says')
    .argument('<service>', 'the service')
    .argument('<generation>', 'the generation id, e.g. 20261122T030000Z-full')
    .option('--note <text>', 'why it is kept, e.g. "before the 2.0 upgrade"')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  withHelp(pin, 'roost hub pin wiki 20261122T030000Z-full --note "before the 2.0 upgrade"')
  runAction(pin, async (service: string, generation: string, o: { note?: string; config?: string }, ctx: Ctx): Promise<Output> =>
    renderPin(await pinGeneration({ configFile: configPath('hub', o.config), service, generation, note: o.note, now: ctx.now() })),
  )
  const unpin = role
    .command('unpin')
    .description('let retention decide about a pinned generation again')
    .argument('<service>', 'the service')
    .argument('<generation>', 'the generation id')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  withHelp(unpin, 'roost hub unpin wiki 20261122T030000Z-full')
  runAction(unpin, async (service: string, generation: string, o: { config?: string }, ctx: Ctx): Promise<Output> =>
    renderPin(await unpinGeneration({ configFile: configPath('hub', o.config), service, generation, now: ctx.now() })),
  )
}

function registerReset(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('reset')
    .description("start a service afresh: its next run must be a full; what it has stored becomes an archive kept for retention.archive")
    .argument('<service>', 'the service')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub reset wiki --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (service: string, o: { config?: string }, ctx: Ctx): Promise<Output> => renderReset(await resetService({ configFile: configPath('hub', o.config), service, now: ctx.now() })))
}

/** Registers `roost hub init|add-service|add-mirror|serve|status|prune|pin|unpin|reset|import`. */
export function registerHub(program: Command, runAction: RunAction): void {
  const role = program.command('hub').description('the hub role: collect backups from spokes, feed mirrors')
  registerInit(role, runAction)
  registerAdd(role, runAction, 'service')
  registerAdd(role, runAction, 'mirror')
  registerServe(role, runAction)
  registerStatus(role, runAction)
  registerPrune(role, runAction)
  registerPin(role, runAction)
  registerReset(role, runAction)
  registerImport(role, runAction)
  registerDrill(role, runAction)
}

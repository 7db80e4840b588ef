/** The spoke role's commands: init, run, list, schedule. */
import type { Command } from 'commander'
import { join } from 'node:path'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { RoostError } from '../lib/errors.js'
import { KINDS, LABEL_RE, type Kind } from '../lib/formats/names.js'
import { formatBytes, parseDuration, parseSize } from '../lib/config/units.js'
import { initSpoke, type InitResult } from './init.js'
import { runCycle, type CycleOptions, type CycleResult } from './run.js'
import { listGenerations, renderList } from './list.js'
import { registerSchedule } from './schedule-cli.js'
import { registerVerify } from './verify-cli.js'

interface InitCli {
  service: string
  hub: string
  source: string[]
  dir?: string
  hubKey?: string
  encryptTo: string[]
  config?: string
}

interface RunCli {
  kind?: string
  label?: string
  bwlimit?: string
  timeBudget?: string
  wait: string
  config?: string
}

function renderInit(r: InitResult): string {
  return [
    `wrote ${r.config} and ${r.key.reused ? 'reused' : 'made'} the spoke's key ${r.key.path}`,
    `pinned the hub's host key for ${r.hub.host}:${r.hub.port} (${r.hub.pinnedFrom === 'argument' ? 'from --hub-key' : 'read from the hub with ssh-keyscan'}):`,
    `  ${r.hub.hostKey}`,
    `  fingerprint ${r.hub.fingerprint}   compare it with the one \`roost hub init\` printed`,
    ...(r.encryptTo.length ? [`every generation is encrypted on this host to ${r.encryptTo.join(', ')}: keep the identity offline, restores need it (--identity)`] : []),
    `register this spoke on the hub:`,
    `  ${r.register}`,
  ].join('\n')
}

/** The text for people after a run. Pure. */
export function renderRun(r: CycleResult): string {
  const pct = r.bytes ? ` (${((100 * r.sent) / r.bytes).toFixed(1)}% of the archive)` : ''
  const on = r.base ? ` on ${r.base}` : r.parent ? ` on ${r.parent}` : ''
  const lines = [
    `${r.service} ${r.generation}${r.label ? ` [${r.label}]` : ''} accepted by the hub: ${formatBytes(r.bytes)}, ${r.entries} entries, sha256 ${r.sha256}`,
    `  ${r.kind}${on}: ${r.reason}`,
    `  sent ${formatBytes(r.sent)}${pct}; ${formatBytes(r.matched)} found in the hub's previous archive`,
    `  ${Object.entries(r.ms).map(([k, v]) => `${k} ${v} ms`).join(', ')}`,
  ]
  if (r.resumed.length) lines.push(`  finished earlier generations: ${r.resumed.map(g => `${g.generation} (${g.how})`).join(', ')}`)
  if (r.deleted.length) lines.push(`  deleted from this host: ${r.deleted.join(', ')}`)
  if (r.tarExit === 1) lines.push('  warning: some files changed while tar read them')
  return lines.join('\n')
}

/** Checks `spoke run`'s options and turns them into the cycle's. Throws USAGE naming the option. */
export function runOptions(opts: RunCli): Pick<CycleOptions, 'kind' | 'label' | 'bwlimit' | 'timeBudgetMs' | 'verdictTimeoutMs'> {
  if (opts.kind !== undefined && !(KINDS as readonly string[]).includes(opts.kind)) throw new RoostError('USAGE', `--kind must be one of ${KINDS.join(', ')}, not '${opts.kind}'`)
  if (opts.label !== undefined && !LABEL_RE.test(opts.label)) {
    throw new RoostError('USAGE', `--label '${opts.label}' is not a label`, { hint: 'letters, digits, dots, dashes and underscores, starting with a letter or digit (at most 64)' })
  }
  const wait = parseDuration(opts.wait)
  if (wait === undefined) throw new RoostError('USAGE', `--wait '${opts.wait}' is not a duration like 120s or 5m`)
  const bwlimit = opts.bwlimit === undefined ? undefined : parseSize(opts.bwlimit)
  if (bwlimit === 0 || (opts.bwlimit !== undefined && bwlimit === undefined)) throw new RoostError('USAGE', `--bwlimit '${opts.bwlimit}' is not a size per second like 2M or 500K`)
  const budget = opts.timeBudget === undefined ? undefined : parseDuration(opts.timeBudget)
  if (budget === 0 || (opts.timeBudget !== undefined && budget === undefined)) throw new RoostError('USAGE', `--time-budget '${opts.timeBudget}' is not a duration like 30m or 2h`)
  return { kind: opts.kind as Kind | undefined, label: opts.label, bwlimit, timeBudgetMs: budget, verdictTimeoutMs: wait }
}

function registerInit(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('init')
    .description("write spoke.yaml and the spoke's key, pin the hub's host key, print the line to register on the hub")
    .requiredOption('--service <name>', 'the service name (also its account on the hub)')
    .requiredOption('--hub <host:port>', 'where the hub listens')
    .requiredOption('--source <path...>', 'folders (or files) to back up')
    .option('--dir <dir>', 'where spoke.yaml, keys/ and state/ go (default: the folder of --config, else /etc/roost)')
    .option('--hub-key <line|file>', "the hub's SSH host key (else it is read from the hub and its fingerprint printed)")
    .option('--encrypt-to <recipient>', "encrypt every generation on this host to this age recipient (age1…; repeatable); keep its identity offline", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--config <file>', 'the spoke.yaml to write (default /etc/roost/spoke.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost spoke init --service wiki --hub hub.example.org:2222 --source /srv/wiki --dir /etc/roost')
  runAction(cmd, async (opts: InitCli): Promise<Output> => {
    const configFile = opts.dir ? join(opts.dir, 'spoke.yaml') : configPath('spoke', opts.config)
    const r = await initSpoke({ service: opts.service, hub: opts.hub, sources: opts.source, configFile, cwd: process.cwd(), ...(opts.hubKey ? { hubKey: opts.hubKey } : {}), ...(opts.encryptTo.length ? { encryptTo: opts.encryptTo } : {}) })
    return { json: r, text: renderInit(r) }
  })
}

function registerRun(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('run')
    .description('one backup cycle: hooks, archive, manifest, upload, wait for the hub to accept (what cron runs)')
    .option('--kind <kind>', `generation kind (${KINDS.join('|')}); default: spoke.yaml's generations policy. The hub's demand for a full wins`)
    .option('--label <text>', 'tag the generation (e.g. pre-update); shown by list, kept in the manifest')
    .option('--bwlimit <size>', 'bytes per second on the wire, e.g. 2M (overrides upload.bwlimit)')
    .option('--time-budget <duration>', 'a deadline counted from the start of the run, e.g. 30m (overrides upload.budget): uploads still going then are cut and resume next run; hooks and tar are never cut')
    .option('--wait <duration>', "how long to wait for the hub's verdict after the upload", '120s')
    .option('--config <file>', 'spoke.yaml (default /etc/roost/spoke.yaml or ROOST_CONFIG)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost spoke run --config /etc/roost/spoke.yaml --label pre-update')
  runAction(cmd, async (opts: RunCli, ctx: Ctx): Promise<Output> => {
    const r = await runCycle({ configFile: configPath('spoke', opts.config), ...runOptions(opts), now: ctx.now, log: ctx.log })
    return { json: r, text: renderRun(r) }
  })
}

function registerList(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('list')
    .description('generations held on the hub and kept on this host')
    .option('--config <file>', 'spoke.yaml (default /etc/roost/spoke.yaml or ROOST_CONFIG)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost spoke list --config /etc/roost/spoke.yaml --json')
  runAction(cmd, async (opts: { config?: string }): Promise<Output> => {
    const r = await listGenerations(configPath('spoke', opts.config))
    return { json: r, text: renderList(r) }
  })
}

/** Registers `roost spoke init|run|list|schedule`. */
export function registerSpoke(program: Command, runAction: RunAction): void {
  const role = program.command('spoke').description('the spoke role: back up this host\'s service to the hub')
  registerInit(role, runAction)
  registerRun(role, runAction)
  registerList(role, runAction)
  registerSchedule(role, runAction)
  registerVerify(role, runAction)
}

#!/usr/bin/env node
/**
 * The composition root: builds the one `roost` binary, lets each role register its
 * commands, prints results (stdout) and maps every error to an exit code in one place.
 */
import { Command, CommanderError } from 'commander'
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createLogger, type Logger } from './lib/log.js'
import { EXIT, EXIT_HELP, RoostError, exitCodeFor } from './lib/errors.js'
import type { Ctx, Output, RunAction } from './lib/cli.js'
import type { Register } from './lib/cli.js'

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    return pkg.version
  } catch {
    return '0.0.0'
  }
}

function printError(err: unknown, json: boolean): void {
  if (err instanceof RoostError) {
    if (json) {
      process.stderr.write(JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint } }) + '\n')
    } else {
      process.stderr.write(`roost: ${err.message} [${err.code}]\n`)
      if (err.hint) process.stderr.write(err.hint.split('\n').map(l => `  ${l}`).join('\n') + '\n')
    }
    return
  }
  const e = err as Error
  process.stderr.write(`roost: internal error: ${e?.stack ?? String(err)}\n`)
}

/**
 * Each role's commands, loaded only when asked for: `roost mirror sync` reads the mirror's
 * modules, not the hub's SSH server or the spoke's scheduler (a cron run starts in about half
 * the time). Help without a role loads them all.
 */
const ROLES: Record<string, () => Promise<Register>> = {
  hub: async () => (await import('./hub/cli.js')).registerHub,
  spoke: async () => (await import('./spoke/cli.js')).registerSpoke,
  mirror: async () => (await import('./mirror/cli.js')).registerMirror,
  restore: async () => (await import('./lib/restore/cli.js')).registerRestore,
  export: async () => (await import('./lib/export/cli.js')).registerExport,
}

/** The role named first on the command line (after global options), if it is one. Pure. */
export function roleOf(argv: readonly string[]): string | undefined {
  const first = argv.find(a => !a.startsWith('-'))
  return first !== undefined && Object.hasOwn(ROLES, first) ? first : undefined
}

/** Builds the program with `roles` (default: all). Separate from running it so tests can inspect the command tree. */
export async function buildProgram(state: { exitCode: number; log?: Logger }, roles: readonly string[] = Object.keys(ROLES)): Promise<Command> {
  const program = new Command('roost')
    .description('Backups from many service hosts to one hub, fanned out to verified mirrors and discs')
    .version(version())
    .option('-v, --verbose', 'log debug detail')
    .option('-q, --quiet', 'log only warnings and errors')
    .showHelpAfterError()
    .addHelpText('after', `\nRoles: roost hub …, roost spoke …, roost mirror …; from any tier: roost restore …, roost export …\n${EXIT_HELP}`)
    .exitOverride()

  const runAction: RunAction = (cmd, fn) =>
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command
      const opts = self.optsWithGlobals() as { json?: boolean; verbose?: boolean; quiet?: boolean }
      const level = opts.verbose ? 'debug' : opts.quiet ? 'warn' : undefined
      const log = createLogger(level ? { level } : {})
      state.log = log
      const ctx: Ctx = { log, json: Boolean(opts.json), now: () => new Date() }
      try {
        const out = (await fn(...args.slice(0, -1), ctx)) as Output | void
        if (out) {
          process.stdout.write(ctx.json ? JSON.stringify(out.json, null, 2) + '\n' : out.text.endsWith('\n') || !out.text ? out.text : out.text + '\n')
          state.exitCode = out.exitCode ?? EXIT.OK
        }
      } catch (err) {
        printError(err, ctx.json)
        if (!(err instanceof RoostError)) log.debug({ err }, 'internal error')
        state.exitCode = exitCodeFor(err)
      }
    })

  for (const [name, load] of Object.entries(ROLES)) if (roles.includes(name)) (await load())(program, runAction)
  return program
}

async function main(): Promise<void> {
  const state = { exitCode: 0 as number }
  const role = roleOf(process.argv.slice(2))
  const program = await buildProgram(state, role ? [role] : undefined)
  try {
    await program.parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; usage errors with 2
      state.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
    } else {
      printError(err, false)
      state.exitCode = exitCodeFor(err)
    }
  }
  process.exitCode = state.exitCode
}

/** True when this file is what node was asked to run (through a bin symlink too), not an import. */
function isEntryPoint(): boolean {
  const argv1 = process.argv[1]
  if (!argv1) return false
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) await main()

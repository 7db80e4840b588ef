/**
 * Test plumbing: runs a role's `register…(role, runAction)` in-process with a runAction like
 * the root's (positionals, options, ctx → Output), so a command's wiring is tested before the
 * root registers it.
 */
import { Command } from 'commander'
import type { Ctx, Output, RunAction } from '../../../lib/cli.js'
import { silentLogger } from '../../../lib/log.js'

export interface CliRun {
  out?: Output
  err?: unknown
}

export async function runCli(roleName: string, register: (role: Command, runAction: RunAction) => void, args: string[]): Promise<CliRun> {
  const program = new Command('roost').exitOverride()
  const role = program.command(roleName)
  let result: CliRun = {}
  const runAction: RunAction = (cmd, fn) =>
    cmd.action(async (...a: unknown[]) => {
      const ctx: Ctx = { log: silentLogger(), json: false, now: () => new Date() }
      try {
        result = { out: (await fn(...a.slice(0, -1), ctx)) ?? undefined }
      } catch (err) {
        result = { err }
      }
    })
  register(role, runAction)
  await program.parseAsync(['node', 'roost', roleName, ...args])
  return result
}

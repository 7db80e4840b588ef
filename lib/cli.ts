/**
 * What every command shares: how it finds its config, how it returns a result, and the
 * help text that ends every --help. Commands return data; the root prints it.
 */
import type { Command } from 'commander'
import type { Logger } from './log.js'
import { EXIT_HELP } from './errors.js'

export type Role = 'hub' | 'spoke' | 'mirror'

/** A command's result: JSON for scripts and a text rendering for people. */
export interface Output {
  json: unknown
  text: string
  /** Non-zero when the command ran but found a problem it reports as data (e.g. verify). */
  exitCode?: number
}

export interface Ctx {
  log: Logger
  json: boolean
  /** The clock, a parameter so tests can drive it. */
  now(): Date
}

/** The config file for a role: --config, then ROOST_CONFIG, then /etc/roost/<role>.yaml. */
export function configPath(role: Role, opt: string | undefined): string {
  return opt ?? process.env.ROOST_CONFIG ?? `/etc/roost/${role}.yaml`
}

/** Ends a command's help with an example and the exit-code table. */
export function withHelp(cmd: Command, example: string): Command {
  return cmd.addHelpText('after', `\nExample:\n  ${example}\n${EXIT_HELP}`)
}

export type RunAction = (cmd: Command, fn: (...args: any[]) => Promise<Output | void>) => Command

/** What each role exports to add its commands to the program (hub/cli.ts, spoke/cli.ts, …). */
export type Register = (program: Command, runAction: RunAction) => void

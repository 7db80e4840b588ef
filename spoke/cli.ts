/** The spoke role's commands. */
import type { Command } from 'commander'
import type { RunAction } from '../lib/cli.js'

export function registerSpoke(program: Command, runAction: RunAction): void {
  const role = program.command('spoke').description('the spoke role')
  void role
  void runAction
}

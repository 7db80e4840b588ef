/** The hub role's commands. */
import type { Command } from 'commander'
import type { RunAction } from '../lib/cli.js'

export function registerHub(program: Command, runAction: RunAction): void {
  const role = program.command('hub').description('the hub role')
  void role
  void runAction
}

/** The mirror role's commands. */
import type { Command } from 'commander'
import type { RunAction } from '../lib/cli.js'

export function registerMirror(program: Command, runAction: RunAction): void {
  const role = program.command('mirror').description('the mirror role')
  void role
  void runAction
}

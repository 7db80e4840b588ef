/** `roost restore`: bring a generation back from any tier. */
import type { Command } from 'commander'
import type { RunAction } from '../cli.js'

export function registerRestore(program: Command, runAction: RunAction): void {
  void program
  void runAction
}

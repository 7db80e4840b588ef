/**
 * Every command's --help ends with an example and the exit-code table, and every command that
 * prints a result (all but the daemons) takes --json.
 */
import t from 'tap'
import { Command } from 'commander'
import type { RunAction } from '../lib/cli.js'
import { EXIT_HELP } from '../lib/errors.js'
import { registerHub } from '../hub/cli.js'
import { registerSpoke } from '../spoke/cli.js'
import { registerMirror } from '../mirror/cli.js'
import { registerRestore } from '../lib/restore/cli.js'
import { registerExport } from '../lib/export/cli.js'

/** Commands that run until stopped: they log; a result is not what they are for. */
const DAEMONS = new Set(['hub serve', 'spoke schedule', 'mirror serve', 'mirror watch'])

function leaves(): Array<{ name: string; cmd: Command }> {
  const program = new Command('roost')
  const runAction: RunAction = cmd => cmd
  for (const register of [registerHub, registerSpoke, registerMirror, registerRestore, registerExport]) register(program, runAction)
  return program.commands.flatMap(top => (top.commands.length ? top.commands.map(sub => ({ name: `${top.name()} ${sub.name()}`, cmd: sub })) : [{ name: top.name(), cmd: top }]))
}

function helpOf(cmd: Command): string {
  let out = ''
  cmd.configureOutput({ writeOut: s => void (out += s), writeErr: s => void (out += s) })
  cmd.outputHelp()
  return out
}

t.test('every --help ends with an example and the exit codes; every result takes --json', async t => {
  const all = leaves()
  t.ok(all.length >= 20, `${all.length} commands`)
  for (const { name, cmd } of all) {
    const help = helpOf(cmd)
    t.match(help, /\nExample:\n {2}roost \S/, `${name}: an example`)
    t.ok(help.trimEnd().endsWith(EXIT_HELP.trimEnd()), `${name}: ends with the exit-code table`)
    const json = cmd.options.some(o => o.long === '--json')
    if (!DAEMONS.has(name)) t.ok(json, `${name} takes --json`)
  }
})

t.test('roleOf: only the role named on the command line is loaded (after global options)', async t => {
  const { roleOf } = await import('../roost.js')
  t.equal(roleOf(['mirror', 'sync', '--config', 'x']), 'mirror')
  t.equal(roleOf(['-q', 'hub', 'status']), 'hub')
  t.equal(roleOf(['--help']), undefined, 'help without a role loads them all')
  t.equal(roleOf(['help', 'mirror']), undefined)
  t.equal(roleOf(['nonsense']), undefined, 'an unknown command gets the full program (and its error)')
})

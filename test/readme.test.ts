/**
 * Keeps the README honest: every example config in it must load with the real schemas
 * (placeholder keys swapped for a real key line), the Commands table must list exactly the
 * commands `--help` shows, with options they have, and the two quick-start commands must be
 * the ones CI and the scripts use.
 *
 * A YAML example is found by the file named in backticks on the line just before it
 * (`/etc/roost/spoke.yaml`:). The first example of a role is a whole config; a later one may
 * be a fragment (`generations:` alone), checked laid over the first (top-level keys replaced).
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import * as yaml from 'js-yaml'
import { Command } from 'commander'
import { REPO, roost } from './helpers/roost.js'
import type { RunAction } from '../lib/cli.js'
import { registerHub } from '../hub/cli.js'
import { registerSpoke } from '../spoke/cli.js'
import { registerMirror } from '../mirror/cli.js'
import { registerRestore } from '../lib/restore/cli.js'
import { registerExport } from '../lib/export/cli.js'
import { validateConfig } from '../lib/config/load.js'
import { HubConfigSchema } from '../lib/config/hub.js'
import { SpokeConfigSchema } from '../lib/config/spoke.js'
import { MirrorConfigSchema } from '../lib/config/mirror.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG2VQ6ESNrrFsf1rtkQwJI2ti8Tlp2X6VXRkKBY9gh7I'

const readme = (): Promise<string> => fs.readFile(join(REPO, 'README.md'), 'utf8')

t.test('every YAML example in the README is a valid config (or fragment) for its role', async t => {
  const text = await readme()
  const blocks = [...text.matchAll(/`([^`\n]+\.yaml)`[^\n]*\n\n```yaml\n([\s\S]*?)```/g)]
  t.equal(blocks.length, text.match(/^```yaml$/gm)?.length ?? 0, 'every ```yaml block follows a line naming its file, so it is checked here')
  const bases = new Map<string, Record<string, unknown>>()
  for (const [, file, body] of blocks) {
    const raw = yaml.load(body!.replace(/ssh-ed25519 AAAAC3Nza…( [\w-]+)?/g, KEY)) as Record<string, unknown>
    const name = file!.split('/').pop()!
    const schema = name === 'hub.yaml' ? HubConfigSchema : name === 'spoke.yaml' ? SpokeConfigSchema : MirrorConfigSchema
    const base = bases.get(name)
    const whole = base ? { ...base, ...raw } : raw
    t.doesNotThrow(() => validateConfig(schema as typeof HubConfigSchema, whole, name), `${file} in the README loads${base ? ` (a fragment: ${Object.keys(raw).join(', ')})` : ''}`)
    if (!base) bases.set(name, raw)
  }
  t.same([...bases.keys()].sort(), ['hub.yaml', 'mirror.yaml', 'spoke.yaml'], 'the README shows a config for each role')
})

/** Command names under `Commands:` in commander's help (two-space indent), without `help`. */
function helpCommands(text: string): string[] {
  const section = /(?:^|\n)Commands:\n([\s\S]*?)(?:\n\n|$)/.exec(text)?.[1] ?? ''
  return section.split('\n').flatMap(l => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1] ?? []).filter(n => n !== 'help')
}

/**
 * Every command ('hub prune', 'restore') with its long options, read from the command tree the
 * roles register (in this process: roost.ts runs its CLI when imported, and one process per
 * command's --help is slow on a busy machine). The test checks this tree's top level against
 * the binary's `roost --help`, so a role the tree missed would show.
 */
function registeredCommands(): { top: string[]; commands: Map<string, string[]> } {
  const program = new Command('roost')
  const runAction: RunAction = cmd => cmd
  for (const register of [registerHub, registerSpoke, registerMirror, registerRestore, registerExport]) register(program, runAction)
  const commands = new Map<string, string[]>()
  const longs = (c: Command): string[] => c.options.flatMap(o => o.long ?? [])
  for (const top of program.commands) {
    if (!top.commands.length) commands.set(top.name(), longs(top))
    for (const sub of top.commands) commands.set(`${top.name()} ${sub.name()}`, longs(sub))
  }
  return { top: program.commands.map(c => c.name()), commands }
}

/**
 * The Commands table's commands, each with the options its row names. A row's first code
 * span is `roost ROLE COMMAND …` or `roost COMMAND …` (a lower-case second word is a command
 * under a role); further spans in the cell (`/ \`unpin …\``) are siblings under the same role.
 */
function tableCommands(text: string): Map<string, string[]> {
  const section = /^## Commands\n([\s\S]*?)^## /m.exec(text)?.[1] ?? ''
  const out = new Map<string, string[]>()
  for (const line of section.split('\n').filter(l => l.startsWith('| `roost '))) {
    const cell = line.slice(1).split(/(?<!\\)\|/)[0]!
    const spans = [...cell.matchAll(/`([^`]+)`/g)].map(m => m[1]!.replace(/\\\|/g, '|'))
    const words = spans[0]!.split(/\s+/).slice(1)
    const role = /^[a-z][a-z-]*$/.test(words[1] ?? '') ? words[0]! : undefined
    spans.forEach((span, i) => {
      const name = i === 0 ? (role ? `${role} ${words[1]}` : words[0]!) : `${role} ${span.split(/\s+/)[0]}`
      out.set(name, span.match(/--[a-z][a-z-]*/g) ?? [])
    })
  }
  return out
}

t.test('the Commands table lists exactly the commands --help shows, with options they have', async t => {
  const table = tableCommands(await readme())
  const tree = registeredCommands()
  const top = await roost(['--help'])
  t.equal(top.exitCode, 0, 'roost --help exits 0')
  t.same(tree.top.sort(), helpCommands(top.stdout).sort(), 'the commands read here are the ones roost --help shows')
  t.ok(table.size > 10, `the table was read (${table.size} commands)`)
  t.same([...table.keys()].sort(), [...tree.commands.keys()].sort(), 'the same commands in the README table and in roost')
  for (const [name, options] of table) {
    const has = tree.commands.get(name)
    if (!has) continue
    for (const o of options) t.ok(has.includes(o), `roost ${name} has ${o}`)
  }
})

t.test('the quick start is two commands, and CI runs the same test command', async t => {
  const text = await readme()
  const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? ''
  const commands = quick.split('\n').map(l => l.replace(/#.*$/, '').trim()).filter(Boolean)
  t.same(commands, ['bash scripts/quickstart.sh', 'npm test'])
  const ci = await fs.readFile(join(REPO, '.ci', 'run'), 'utf8')
  t.match(ci, /^npm test 2>&1/m, 'CI runs the README test command')
  t.ok(await fs.stat(join(REPO, 'scripts', 'quickstart.sh')), 'the quick start script exists')
})

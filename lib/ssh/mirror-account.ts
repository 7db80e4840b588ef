/**
 * What a mirror account may run on a front door that feeds mirrors (the hub's, or a mirror's
 * own with `roost mirror serve`). Pure: reads no files, starts nothing.
 *
 *   rsync --server --sender …  → rrsync -ro <store>                    (read the tree)
 *   rsync --server …           → rrsync -wo -no-del <traces>/<name>    (write its TRACE.json,
 *                                 files over 64 KiB skipped with --max-size)
 *   roost-watch-tree           → built in: a line per published index  (`mirror watch`)
 *   anything else              → refused with a reason
 */
import { join } from 'node:path'
import { NAME_RE } from '../formats/names.js'
import { TRACE_MAX_BYTES } from '../formats/trace.js'
import type { ExecDecision } from './types.js'

/** The exec a watching mirror sends. */
export const WATCH_COMMAND = 'roost-watch-tree'

export interface MirrorAccount {
  name: string
  /** The store it reads (absolute). */
  store: string
  /** The folder holding one trace folder per mirror account (absolute). */
  traces: string
  /** Path of Debian's rrsync script. */
  rrsync: string
}

/** The longest command line considered (rsync's own lines are far shorter). */
export const MAX_COMMAND_BYTES = 64 * 1024

/** Where a mirror account's TRACE.json lands. */
export function traceDir(traces: string, name: string): string {
  return join(traces, name, 'trace')
}

/** Checks shared by every account kind: a valid name, a sane command, `rsync --server` or the watch. */
export function screenCommand(name: string, command: string): { allow: false; reason: string } | { words: string[] } {
  if (!NAME_RE.test(name)) return { allow: false, reason: `account name '${name.slice(0, 64)}' is not valid` }
  if (Buffer.byteLength(command, 'utf8') > MAX_COMMAND_BYTES) return { allow: false, reason: 'the command is longer than 64 KiB' }
  if (/[\0\r\n]/.test(command)) return { allow: false, reason: 'the command contains a NUL byte or a line break' }
  return { words: command.split(' ') }
}

/** Decides what a mirror account's exec request runs. */
export function planMirrorExec(a: MirrorAccount, command: string): ExecDecision {
  const s = screenCommand(a.name, command)
  if ('allow' in s) return s
  const words = s.words
  if (command === WATCH_COMMAND) return { allow: true, builtin: 'watch-tree', store: a.store }
  if (words[0] !== 'rsync' || words[1] !== '--server' || words.length < 3) {
    return { allow: false, reason: `mirror '${a.name}' may only run rsync for roost or ${WATCH_COMMAND} (got '${(words[0] ?? '').slice(0, 64)}'); shells and other commands are not available` }
  }
  const reads = words[2] === '--sender'
  if (!reads && words.includes('--sender')) return { allow: false, reason: "'--sender' must come right after 'rsync --server'" }
  if (reads) return { allow: true, argv: [a.rrsync, '-ro', a.store], env: { SSH_ORIGINAL_COMMAND: command } }
  // writing: only its own trace area, nothing large, nothing deleted (rrsync -no-del)
  const capped = ['rsync', '--server', `--max-size=${TRACE_MAX_BYTES}`, ...words.slice(2)].join(' ')
  return { allow: true, argv: [a.rrsync, '-wo', '-no-del', traceDir(a.traces, a.name)], env: { SSH_ORIGINAL_COMMAND: capped } }
}

/**
 * The hub's access policy for exec requests: which `rsync --server …` command line an account
 * may run, confined by rrsync to exactly one folder. Pure: reads no files, starts nothing.
 *
 *   service writing  → rrsync -wo -no-del <accounts>/<svc>/incoming
 *   service reading  → rrsync -ro <store>/<svc>
 *   mirror           → lib/ssh/mirror-account.ts: read the store, write its own trace area
 *                      (accounts/<mirror>/trace), or watch the index
 *   any other command → refused with a reason
 *
 * One more refusal protects uploads: rrsync pins a receiver's --partial-dir to an absolute
 * /proc/self/fd path, and rsync then cannot place files held back by --delay-updates: it
 * discards every file and still exits 0. Such an upload is refused loudly instead.
 */
import { join } from 'node:path'
import { MAX_COMMAND_BYTES, planMirrorExec, screenCommand } from '../lib/ssh/mirror-account.js'
import type { ExecDecision } from '../lib/ssh/types.js'

/** Who asks, and the hub paths the decision needs (all absolute). */
export interface ExecAccount {
  kind: 'service' | 'mirror'
  name: string
  /** `<root>/accounts` */
  accounts: string
  /** `<root>/store` */
  store: string
  /** Path of Debian's rrsync script. */
  rrsync: string
}

export { MAX_COMMAND_BYTES }

function refuse(reason: string): ExecDecision {
  return { allow: false, reason }
}

function allow(rrsync: string, flags: string[], dir: string, command: string): ExecDecision {
  return { allow: true, argv: [rrsync, ...flags, dir], env: { SSH_ORIGINAL_COMMAND: command } }
}

/**
 * Decides what an exec request runs. Only command lines that start with exactly
 * `rsync --server ` are allowed; `--sender` right after it (as rsync writes it, and as rrsync
 * checks it) means the client reads. `--sender` anywhere else is refused as ambiguous.
 * The command itself is passed to rrsync unchanged in SSH_ORIGINAL_COMMAND: rrsync checks
 * every option and path against the one folder it is given.
 */
export function planExec(account: ExecAccount, command: string): ExecDecision {
  if (account.kind === 'mirror') return planMirrorExec({ name: account.name, store: account.store, traces: account.accounts, rrsync: account.rrsync }, command)
  const s = screenCommand(account.name, command)
  if ('allow' in s) return s
  const words = s.words
  if (words[0] !== 'rsync' || words[1] !== '--server' || words.length < 3) {
    return refuse(`this account may only run rsync for roost (got '${(words[0] ?? '').slice(0, 64)}'); shells and other commands are not available`)
  }
  const reads = words[2] === '--sender'
  if (!reads && words.includes('--sender')) return refuse("'--sender' must come right after 'rsync --server'")
  if (reads) return allow(account.rrsync, ['-ro'], join(account.store, account.name), command)
  // rsync sends `--partial-dir DIR` as two words; rrsync also takes `--partial-dir=DIR`
  if (words.includes('--delay-updates') && words.some(w => w === '--partial-dir' || w.startsWith('--partial-dir='))) {
    return refuse('--delay-updates with --partial-dir loses every file under rrsync (the partial dir becomes absolute); upload without --delay-updates')
  }
  return allow(account.rrsync, ['-wo', '-no-del'], join(account.accounts, account.name, 'incoming'), command)
}

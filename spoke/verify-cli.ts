/** `roost spoke verify --restore-test`: registered by spoke/cli.ts. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { RoostError } from '../lib/errors.js'
import { renderRestoreTest } from '../lib/restore/restore-test.js'
import { spokeRestoreTest } from './verify.js'

interface VerifyCli {
  restoreTest?: boolean
  from: string
  identity?: string
  config?: string
}

/** Registers `roost spoke verify --restore-test [--from hub|local]`. */
export function registerVerify(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('verify')
    .description("restore the newest generation's whole chain into a scratch folder and compare it with what its signed archives describe")
    .option('--restore-test', 'do the restore drill (required: it is what verify does)')
    .option('--from <source>', "'hub' (default) or 'local' (this spoke's kept copies)", 'hub')
    .option('--identity <file>', 'the age identity that opens an encrypted service (without it, only the ciphertext is checked)')
    .option('--config <file>', 'spoke.yaml (default /etc/roost/spoke.yaml or ROOST_CONFIG)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost spoke verify --restore-test --config /etc/roost/spoke.yaml')
  runAction(cmd, async (opts: VerifyCli, ctx: Ctx): Promise<Output> => {
    if (!opts.restoreTest) throw new RoostError('USAGE', 'roost spoke verify checks by restoring: pass --restore-test')
    if (opts.from !== 'hub' && opts.from !== 'local') throw new RoostError('USAGE', `--from must be 'hub' or 'local', not '${opts.from}'`)
    const r = await spokeRestoreTest({ configFile: configPath('spoke', opts.config), from: opts.from, ...(opts.identity ? { identity: opts.identity } : {}), log: ctx.log })
    return { json: r, text: renderRestoreTest(r) }
  })
}

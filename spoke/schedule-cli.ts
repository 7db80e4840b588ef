/** `roost spoke schedule`: the command line of the long-running scheduler (spoke/schedule.ts). */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { RoostError } from '../lib/errors.js'
import { parseDuration } from '../lib/config/units.js'
import { scheduleSpoke, type ScheduleSummary } from './schedule.js'

interface ScheduleCli {
  wait: string
  config?: string
}

function renderSummary(s: ScheduleSummary): string {
  return `${s.service}: scheduler stopped by ${s.stoppedBy} after ${s.ticks} ticks of '${s.schedule}': ${s.done} cycles done, ${s.failed} failed, ${s.locked} found the lock taken, ${s.skipped} skipped (a cycle was still running)`
}

/** Registers `roost spoke schedule` on the spoke role's command. */
export function registerSchedule(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('schedule')
    .description("stay running and run one backup cycle on every tick of spoke.yaml's `schedule` (cron), never two at a time; stops on SIGTERM or SIGINT after the running cycle ends")
    .option('--wait <duration>', "how long each cycle waits for the hub's verdict after the upload", '120s')
    .option('--config <file>', 'spoke.yaml (default /etc/roost/spoke.yaml or ROOST_CONFIG)')
    .option('--json', 'print the summary as JSON when it stops')
  withHelp(cmd, "roost spoke schedule --config /etc/roost/spoke.yaml   # spoke.yaml: schedule: '15 3 * * *'")
  runAction(cmd, async (opts: ScheduleCli, ctx: Ctx): Promise<Output> => {
    const wait = parseDuration(opts.wait)
    if (wait === undefined) throw new RoostError('USAGE', `--wait '${opts.wait}' is not a duration like 120s or 5m`)
    const s = await scheduleSpoke({ configFile: configPath('spoke', opts.config), verdictTimeoutMs: wait, now: ctx.now, log: ctx.log })
    return { json: s, text: renderSummary(s) }
  })
}

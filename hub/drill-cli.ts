/** `roost hub verify [SERVICE] [--restore-test]`: registered by hub/cli.ts. Records its results for `hub status` (state/verify.json). */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { EXIT } from '../lib/errors.js'
import { loadHubConfig } from '../lib/config/hub.js'
import { formatBytes } from '../lib/config/units.js'
import { describeProblems } from '../lib/stores/check-files.js'
import { renderRestoreTest } from '../lib/restore/restore-test.js'
import { renderDrill } from './drill.js'
import { verifyHub } from './verify-run.js'

interface VerifyCli {
  restoreTest?: boolean
  config?: string
}

/** Registers `roost hub verify [SERVICE] [--restore-test]`. */
export function registerDrill(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('verify')
    .description("rehash the store against the books (exit 3 on a damaged file); --restore-test: restore each service's newest chain into a scratch folder and compare; the result is recorded for hub status")
    .argument('[service]', 'only this service (default: every service)')
    .option('--restore-test', 'the restore drill instead of the rehash')
    .option('--config <file>', 'hub.yaml (default: ROOST_CONFIG or /etc/roost/hub.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub verify wiki --restore-test --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (service: string | undefined, o: VerifyCli, ctx: Ctx): Promise<Output> => {
    const { paths } = await loadHubConfig(configPath('hub', o.config))
    const v = await verifyHub({ paths, service, restoreTest: Boolean(o.restoreTest), by: 'command', log: ctx.log, now: ctx.now })
    if (v.mode === 'restore-test') {
      const r = v.report
      return { json: r, text: renderDrill(r, renderRestoreTest), exitCode: r.exitCode }
    }
    const r = v.report
    const summary = `${r.services} services, ${r.generations} generations, ${r.files} files, ${formatBytes(r.bytes)} checked`
    if (r.ok) return { json: r, text: `verified ${summary}` }
    const text = `verification FAILED, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${summary}):\n${describeProblems(r.problems)}`
    return { json: r, text, exitCode: EXIT.VERIFY }
  })
}

/** `roost hub verify [SERVICE] [--restore-test]`: registered by hub/cli.ts. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { EXIT } from '../lib/errors.js'
import { loadHubConfig } from '../lib/config/hub.js'
import { formatBytes } from '../lib/config/units.js'
import { describeProblems } from '../lib/stores/check-files.js'
import { renderRestoreTest } from '../lib/restore/restore-test.js'
import { hubRestoreTest, rehashStore, renderDrill } from './drill.js'

interface VerifyCli {
  restoreTest?: boolean
  config?: string
}

/** Registers `roost hub verify [SERVICE] [--restore-test]`. */
export function registerDrill(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('verify')
    .description("rehash the store against the books (exit 3 on a damaged file); --restore-test: restore each service's newest chain into a scratch folder and compare")
    .argument('[service]', 'only this service (default: every service)')
    .option('--restore-test', 'the restore drill instead of the rehash')
    .option('--config <file>', 'hub.yaml (default: ROOST_CONFIG or /etc/roost/hub.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub verify wiki --restore-test --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (service: string | undefined, o: VerifyCli, ctx: Ctx): Promise<Output> => {
    const { paths } = await loadHubConfig(configPath('hub', o.config))
    if (o.restoreTest) {
      const r = await hubRestoreTest(paths, service, ctx.log)
      return { json: r, text: renderDrill(r, renderRestoreTest), exitCode: r.exitCode }
    }
    const r = await rehashStore(paths, service, ctx.log)
    const summary = `${r.services} services, ${r.generations} generations, ${r.files} files, ${formatBytes(r.bytes)} checked`
    if (r.ok) return { json: r, text: `verified ${summary}` }
    const text = `verification FAILED, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${summary}):\n${describeProblems(r.problems)}`
    return { json: r, text, exitCode: EXIT.VERIFY }
  })
}

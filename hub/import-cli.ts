/** `roost hub import FILE`: an export back into the store, through the same validation as an upload. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { importExport, type ImportResult } from './import.js'

const WHAT: Record<string, string> = {
  accepted: 'accepted into the store',
  held: 'already in the store (skipped)',
  rejected: 'rejected',
  'not-tried': 'not tried',
}

/** The text a person reads after an import. Pure. */
export function renderImport(r: ImportResult): string {
  const lines = [`imported ${r.service} ${r.generation} from ${r.file}:`]
  for (const l of r.links) lines.push(`  ${l.generation}  ${WHAT[l.outcome]}${l.code ? `: ${l.code} ${l.message ?? ''}` : ''}`)
  if (!r.exportKeyMatches) lines.push("  note: the export names another key than hub.yaml's; hub.yaml's key verified every manifest")
  return lines.join('\n')
}

/** Registers `roost hub import FILE` under the hub role. */
export function registerImport(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('import')
    .description('take an export (roost export) into the store: every link validated exactly like an upload')
    .argument('<file>', 'the export file')
    .option('--config <file>', 'hub.yaml (default: ROOST_CONFIG or /etc/roost/hub.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost hub import /media/usb/wiki.roost.tar --config /srv/roost-hub/hub.yaml')
  runAction(cmd, async (file: string, o: { config?: string }, ctx: Ctx): Promise<Output> => {
    const r = await importExport({ configFile: configPath('hub', o.config), file, log: ctx.log, now: ctx.now })
    return { json: r, text: renderImport(r) }
  })
}

/** `roost export`: a generation and its whole chain as one file a person can carry. */
import type { Command } from 'commander'
import { withHelp, type Ctx, type Output, type RunAction } from '../cli.js'
import { formatBytes } from '../config/units.js'
import { openReader } from '../restore/cli.js'
import { exportGeneration, type ExportResult } from './export.js'

interface ExportCliOptions {
  from: string
  to: string
  force?: boolean
  indexKey?: string
  config?: string
}

/** The text a person reads after an export. Pure. */
export function renderExport(r: ExportResult): string {
  const links = r.chain.length === 1 ? 'a full' : `a chain of ${r.chain.length}: ${r.chain.join(', ')}`
  return `exported ${r.service} ${r.generation} (${links}) from ${r.source} to ${r.file}: ${formatBytes(r.bytes)}, every hash and signature verified (key ${r.key})`
}

/** Registers `roost export SERVICE GENERATION --from … --to FILE`. */
export function registerExport(program: Command, runAction: RunAction): void {
  const cmd = program
    .command('export')
    .description('write a generation with its whole chain (manifests, signatures, archives) as one verified tar file')
    .argument('<service>', 'the service')
    .argument('<generation>', 'the generation id to export (its full and every link up to it come along)')
    .requiredOption('--from <source>', "'hub' (the spoke's config), 'local' (the spoke's own kept copies), 'upstream' (over SSH, as the mirror.yaml given with --config) or a store folder (a mirror's store/, a copy of the hub's)")
    .requiredOption('--to <file>', 'the export file to write (written only when every check passed)')
    .option('--force', 'replace an existing file')
    .option('--index-key <key>', "the hub's index key (line or .pub file) that signs a store folder's TREE.json")
    .option('--config <file>', 'spoke.yaml for --from hub|local; a mirror.yaml supplies the index key for a store folder')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost export wiki 20261122T030000Z-incr --from /srv/roost-mirror/store --config /etc/roost/mirror.yaml --to /media/usb/wiki.roost.tar')
  runAction(cmd, async (service: string, generation: string, opts: ExportCliOptions, ctx: Ctx): Promise<Output> => {
    const reader = await openReader({ from: opts.from, ...(opts.indexKey ? { indexKey: opts.indexKey } : {}), ...(opts.config ? { config: opts.config } : {}) })
    try {
      const r = await exportGeneration({ reader, service, generation, to: opts.to, force: opts.force ?? false, now: ctx.now, log: ctx.log })
      return { json: r, text: renderExport(r) }
    } finally {
      await reader.close?.()
    }
  })
}

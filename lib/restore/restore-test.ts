/**
 * The restore drill (`spoke verify --restore-test`, `hub verify --restore-test`): restores a
 * generation's whole chain (default: the newest) into a scratch folder exactly as a real
 * restore does — every signature and hash checked — and compares what tar wrote with the
 * effective state the archives' headers describe. The scratch folder is always removed.
 */
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Logger } from '../log.js'
import { RoostError } from '../errors.js'
import { ensureDir, removeTree } from '../fsx/atomic.js'
import { formatBytes } from '../config/units.js'
import type { StoreReader } from '../stores/store-reader.js'
import { ChainState } from './chain-state.js'
import { compareWithState, type TreeDifference } from './compare-state.js'
import { checkChainSealed, resolveTarget, restoreGeneration } from './restore.js'
import { sealedLinks } from './identity.js'

export interface RestoreTestOptions {
  reader: StoreReader
  service: string
  /** Default: the newest generation. */
  generation?: string
  /** A folder on a file system with room for the restore; the scratch folder is made inside. */
  scratchParent: string
  /**
   * Opens an encrypted chain. Without it (the hub never holds one) an encrypted chain's
   * ciphertext is checked against its signed manifests and index, and nothing is restored.
   */
  identity?: string
  log: Logger
}

export interface RestoreTestReport {
  ok: boolean
  service: string
  generation: string
  source: string
  chain: string[]
  entries: number
  files: number
  bytes: number
  /** The first differences between the restored tree and the chain's listing. */
  differences: TreeDifference[]
  /** True when the chain is encrypted and no identity was given: hashes checked, nothing restored. */
  sealedOnly: boolean
  ms: number
}

/** Runs the drill for one service. Throws what a restore throws (CHAIN_BROKEN, HASH_MISMATCH, …). */
export async function restoreTest(o: RestoreTestOptions): Promise<RestoreTestReport> {
  const started = Date.now()
  if (o.identity === undefined) {
    const { generation, chain } = await resolveTarget(o.reader, o.service, o.generation ? { generation: o.generation } : {})
    if (sealedLinks(chain).length) {
      const bytes = await checkChainSealed({ reader: o.reader, service: o.service, chain, log: o.log })
      o.log.info({ service: o.service, generation, links: chain.length }, 'encrypted chain: ciphertext verified, not restored (no identity)')
      return { ok: true, service: o.service, generation, source: o.reader.source, chain: chain.map(l => l.generation), entries: 0, files: 0, bytes, differences: [], sealedOnly: true, ms: Date.now() - started }
    }
  }
  await ensureDir(o.scratchParent)
  const scratch = join(o.scratchParent, `restore-test-${randomBytes(6).toString('hex')}`)
  try {
    const state = new ChainState()
    const r = await restoreGeneration({ reader: o.reader, service: o.service, ...(o.generation ? { generation: o.generation } : {}), ...(o.identity ? { identity: o.identity } : {}), to: scratch, state, keepSetuid: true, keepDevices: true, log: o.log })
    const differences = await compareWithState(scratch, state, { owners: process.getuid?.() === 0 })
    const report = { ok: differences.length === 0, service: r.service, generation: r.generation, source: r.source, chain: r.chain, entries: r.entries, files: r.files, bytes: r.bytes, differences, sealedOnly: false, ms: Date.now() - started }
    o.log[report.ok ? 'info' : 'warn']({ service: o.service, generation: r.generation, differences: differences.length }, 'restore test done')
    return report
  } finally {
    await removeTree(scratch).catch(err => o.log.error({ err, scratch }, 'could not remove the restore-test scratch folder'))
  }
}

/** One line for a passed drill. Pure. */
export function renderRestoreTest(r: RestoreTestReport): string {
  const chain = r.chain.length > 1 ? ` (chain of ${r.chain.length}: ${r.chain.join(' → ')})` : ''
  if (r.sealedOnly) return `restore test of ${r.service} ${r.generation}${chain} from ${r.source}: encrypted, ${formatBytes(r.bytes)} of ciphertext verified against the signed manifests; not restored (no identity; pass --identity to restore it)`
  return `restore test of ${r.service} ${r.generation}${chain} from ${r.source}: ${r.ok ? 'OK' : 'FAILED'}, ${r.entries} entries, ${r.files} files, ${formatBytes(r.bytes)} verified and restored in ${r.ms} ms`
}

/** The first differences, one per line. Pure. */
export function describeDifferences(d: readonly TreeDifference[], max = 5): string {
  return d.slice(0, max).map(x => `/${x.path}: ${x.what}`).join('\n') + (d.length > max ? `\n… (${d.length - max} more)` : '')
}

/** VERIFY_FAILED for a drill that found differences, naming the first ones. */
export function drillFailed(r: RestoreTestReport): RoostError {
  return new RoostError('VERIFY_FAILED', `the restore test of ${r.service} ${r.generation} from ${r.source} found ${r.differences.length} difference(s):\n${describeDifferences(r.differences)}`, {
    hint: 'the restored tree does not match what the signed archives describe; keep this copy and investigate',
    detail: { report: r },
  })
}

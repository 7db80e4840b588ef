/**
 * `roost hub verify [SERVICE]`: rehashes every stored file of the hub's store against its
 * books (the record of what was accepted, which the signed index is built from); with
 * `--restore-test`, the restore drill on the hub's own copy — the newest generation of each
 * service restored with its chain from store/ (trusted through TREE.json and the hub's index
 * key) into a scratch folder under state/ and compared with what its archives describe.
 */
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { HubPaths } from '../lib/config/hub.js'
import { RoostError, isRoostError, EXIT } from '../lib/errors.js'
import { assertName } from '../lib/formats/names.js'
import { readPublicKeyArg } from '../lib/sign.js'
import { checkFiles, type CheckTotals, type FileProblem } from '../lib/stores/check-files.js'
import { StoreFolderReader } from '../lib/stores/store-folder.js'
import { describeDifferences, restoreTest, type RestoreTestReport } from '../lib/restore/restore-test.js'
import { readAllBooks, readServiceBooks } from './books.js'

export interface StoreProblem extends FileProblem {
  service: string
  generation: string
}

export interface RehashReport {
  ok: boolean
  services: number
  generations: number
  files: number
  bytes: number
  problems: StoreProblem[]
}

/** Rehashes every stored file of one service (or all) against the books. */
export async function rehashStore(paths: HubPaths, service: string | undefined, log: Logger): Promise<RehashReport> {
  const records = service ? await readServiceBooks(paths, assertName(service, 'service')) : await readAllBooks(paths)
  if (service && records.length === 0) throw new RoostError('SERVICE_UNKNOWN', `the hub's store holds no generations of service '${service}'`)
  const totals: CheckTotals = { files: 0, bytes: 0 }
  const problems: StoreProblem[] = []
  for (const r of records) {
    const found = await checkFiles(join(paths.store, r.service, r.generation), r.files, totals)
    problems.push(...found.map(p => ({ ...p, service: r.service, generation: r.generation })))
  }
  const services = new Set(records.map(r => r.service)).size
  if (problems.length) log.warn({ problems: problems.length }, 'store verify found damage')
  else log.info({ files: totals.files, bytes: totals.bytes }, 'store verified')
  return { ok: problems.length === 0, services, generations: records.length, ...totals, problems }
}

/** A drill that could not finish: why (a bad hash, a broken chain, …). */
export interface DrillError {
  ok: false
  service: string
  error: { code: string; message: string; exitCode: number }
}

export interface DrillReport {
  ok: boolean
  results: Array<RestoreTestReport | DrillError>
  /** 0 when every drill passed; 3 when one found a difference or a bad hash or signature; else 1. */
  exitCode: number
}

/** The restore drill on the newest generation of one service (or each), on the hub's own store. */
export async function hubRestoreTest(paths: HubPaths, service: string | undefined, log: Logger): Promise<DrillReport> {
  const reader = await StoreFolderReader.open(paths.store, await readPublicKeyArg(`${paths.indexKey}.pub`, "the hub's index key"))
  const services = service ? [assertName(service, 'service')] : Object.keys(reader.tree.services).sort()
  const results: DrillReport['results'] = []
  for (const s of services) {
    try {
      results.push(await restoreTest({ reader, service: s, scratchParent: paths.state, log }))
    } catch (err) {
      if (!isRoostError(err) || (service && err.code === 'SERVICE_UNKNOWN')) throw err
      log.warn({ service: s, err }, 'restore test could not finish')
      results.push({ ok: false, service: s, error: { code: err.code, message: err.message, exitCode: err.exitCode } })
    }
  }
  const bad = results.filter(r => !r.ok)
  const verify = bad.some(r => ('error' in r ? r.error.exitCode === EXIT.VERIFY : true))
  return { ok: bad.length === 0, results, exitCode: bad.length === 0 ? EXIT.OK : verify ? EXIT.VERIFY : EXIT.FAILED }
}

/** One line per service drilled, the failures with their first differences. Pure. */
export function renderDrill(r: DrillReport, render: (x: RestoreTestReport) => string): string {
  if (r.results.length === 0) return 'no services in the store: nothing to restore-test'
  return r.results
    .map(x => ('error' in x ? `restore test of ${x.service}: FAILED: ${x.error.message} [${x.error.code}]` : x.ok ? render(x) : `${render(x)}\n${describeDifferences(x.differences)}`))
    .join('\n')
}

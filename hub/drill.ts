/**
 * `roost hub verify [SERVICE]`: rehashes every stored file of the hub's store against its
 * books (the record of what was accepted, which the signed index is built from); with
 * `--restore-test`, the restore drill on the hub's own copy — the newest generation of each
 * service restored with its chain from store/ (trusted through TREE.json and the hub's index
 * key) into a scratch folder under state/ and compared with what its archives describe.
 * Both stop between services (or generations) when `signal` aborts, and neither reports as
 * damage what retention removed while they ran. hub/verify-run.ts records their results.
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
  /** The services checked, sorted. */
  checked: string[]
  /** Set when `signal` stopped it before every generation was checked. */
  interrupted?: true
}

export interface DrillRunOptions {
  /** Checked between services (generations for the rehash): stops early, reporting `interrupted`. */
  signal?: AbortSignal
}

const key = (service: string, generation: string): string => `${service}/${generation}`

/** Drops the problems of generations no longer in the books: retention removed them meanwhile. */
async function stillStored(paths: HubPaths, problems: StoreProblem[]): Promise<StoreProblem[]> {
  if (problems.length === 0) return problems
  const now = new Set<string>()
  for (const s of new Set(problems.map(p => p.service))) for (const r of await readServiceBooks(paths, s)) now.add(key(r.service, r.generation))
  return problems.filter(p => now.has(key(p.service, p.generation)))
}

/** Rehashes every stored file of one service (or all) against the books. */
export async function rehashStore(paths: HubPaths, service: string | undefined, log: Logger, o: DrillRunOptions = {}): Promise<RehashReport> {
  const records = service ? await readServiceBooks(paths, assertName(service, 'service')) : await readAllBooks(paths)
  if (service && records.length === 0) throw new RoostError('SERVICE_UNKNOWN', `the hub's store holds no generations of service '${service}'`)
  const totals: CheckTotals = { files: 0, bytes: 0 }
  let problems: StoreProblem[] = []
  let checked = 0
  for (const r of records) {
    if (o.signal?.aborted) break
    const found = await checkFiles(join(paths.store, r.service, r.generation), r.files, totals)
    problems.push(...found.map(p => ({ ...p, service: r.service, generation: r.generation })))
    checked++
  }
  problems = await stillStored(paths, problems)
  const names = [...new Set(records.slice(0, checked).map(r => r.service))].sort()
  if (problems.length) log.warn({ problems: problems.length }, 'store verify found damage')
  else log.info({ files: totals.files, bytes: totals.bytes }, 'store verified')
  const report: RehashReport = { ok: problems.length === 0, services: names.length, generations: checked, ...totals, problems, checked: names }
  return checked < records.length ? { ...report, interrupted: true } : report
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
  /** Set when `signal` stopped it before every service was drilled. */
  interrupted?: true
}

type DrillResult = DrillReport['results'][number]

async function drillOne(reader: StoreFolderReader, paths: HubPaths, s: string, log: Logger, strict: boolean): Promise<DrillResult> {
  try {
    return await restoreTest({ reader, service: s, scratchParent: paths.state, log })
  } catch (err) {
    if (!isRoostError(err) || (strict && err.code === 'SERVICE_UNKNOWN')) throw err
    log.warn({ service: s, err }, 'restore test could not finish')
    return { ok: false, service: s, error: { code: err.code, message: err.message, exitCode: err.exitCode } }
  }
}

/**
 * The restore drill on the newest generation of one service (or each), on the hub's own store.
 * A drill that fails while retention removed one of the service's generations is run once
 * more on a fresh index: the chain it was restoring may have gone from under it.
 */
export async function hubRestoreTest(paths: HubPaths, service: string | undefined, log: Logger, o: DrillRunOptions = {}): Promise<DrillReport> {
  const indexKey = await readPublicKeyArg(`${paths.indexKey}.pub`, "the hub's index key")
  let reader = await StoreFolderReader.open(paths.store, indexKey)
  const services = service ? [assertName(service, 'service')] : Object.keys(reader.tree.services).sort()
  const results: DrillReport['results'] = []
  for (const s of services) {
    if (o.signal?.aborted) break
    const before = (await readServiceBooks(paths, s)).map(r => r.generation)
    let r = await drillOne(reader, paths, s, log, service !== undefined)
    if (!r.ok) {
      const after = new Set((await readServiceBooks(paths, s)).map(x => x.generation))
      if (before.some(g => !after.has(g))) {
        log.info({ service: s }, 'retention removed generations during the restore test: drilling again')
        reader = await StoreFolderReader.open(paths.store, indexKey)
        r = await drillOne(reader, paths, s, log, service !== undefined)
      }
    }
    results.push(r)
  }
  const bad = results.filter(r => !r.ok)
  const verify = bad.some(r => ('error' in r ? r.error.exitCode === EXIT.VERIFY : true))
  const report: DrillReport = { ok: bad.length === 0, results, exitCode: bad.length === 0 ? EXIT.OK : verify ? EXIT.VERIFY : EXIT.FAILED }
  return results.length < services.length ? { ...report, interrupted: true } : report
}

/** One line per service drilled, the failures with their first differences. Pure. */
export function renderDrill(r: DrillReport, render: (x: RestoreTestReport) => string): string {
  if (r.results.length === 0) return 'no services in the store: nothing to restore-test'
  return r.results
    .map(x => ('error' in x ? `restore test of ${x.service}: FAILED: ${x.error.message} [${x.error.code}]` : x.ok ? render(x) : `${render(x)}\n${describeDifferences(x.differences)}`))
    .join('\n')
}

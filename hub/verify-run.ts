/**
 * One verification of the hub's own store, recorded: the restore drill or the rehash
 * (hub/drill.ts) over one service or every one, its results merged into state/verify.json
 * (hub/verify-record.ts) for `hub status`. What `roost hub verify` runs by hand and what
 * `hub serve` runs on hub.yaml's `verify` schedule. A record that cannot be written is
 * logged; it never changes the verification's own result.
 */
import type { HubPaths } from '../lib/config/hub.js'
import { isRoostError } from '../lib/errors.js'
import type { Logger } from '../lib/log.js'
import { hubRestoreTest, rehashStore, type DrillReport, type RehashReport } from './drill.js'
import { asksForFull, checkOfDrill, checksOfRehash, recordVerify, type ServiceCheck, type VerifyOutcome, type VerifyRun } from './verify-record.js'
import { withStoreLock } from './store-lock.js'
import { writeServiceStatus } from './service-status.js'

/** Asks each service whose stored copy was found damaged for a full (status.json, reason `mismatch`). */
async function askForFulls(o: VerifyHubOptions, checks: Record<string, ServiceCheck>): Promise<void> {
  const damaged = Object.entries(checks).filter(([, c]) => asksForFull(c)).map(([s]) => s)
  if (!damaged.length) return
  await withStoreLock(o.paths, async () => {
    for (const s of damaged) await writeServiceStatus(o.paths, s, { kind: 'want-full', reason: 'mismatch' }, o.now())
  }).catch(err => o.log.error({ err, services: damaged }, 'could not ask for a full in status.json'))
  o.log.warn({ services: damaged }, 'stored copy damaged: the next run of each must be a full')
}

export interface VerifyHubOptions {
  paths: HubPaths
  /** Only this service (default: every service in the store). */
  service?: string | undefined
  /** The restore drill (true) or the rehash (false). */
  restoreTest: boolean
  by: VerifyRun['by']
  log: Logger
  now: () => Date
  signal?: AbortSignal
}

type Verified = { mode: 'restore-test'; report: DrillReport } | { mode: 'rehash'; report: RehashReport }

export type VerifyHubResult = Verified & {
  /** Each checked service's result, as recorded. */
  checks: Record<string, ServiceCheck>
}

async function record(o: VerifyHubOptions, outcome: VerifyOutcome): Promise<void> {
  await recordVerify(o.paths, outcome, o.log).catch(err => o.log.error({ err }, 'could not record the verification in state/verify.json'))
}

function runOf(o: VerifyHubOptions, started: Date, services: number, failed: number, error: VerifyRun['error'] = null): VerifyRun {
  return { started: started.toISOString(), finished: o.now().toISOString(), by: o.by, ok: failed === 0 && !error, services, failed, error }
}

/** Verifies and records. Throws what the verification throws (a run over every service records that too). */
export async function verifyHub(o: VerifyHubOptions): Promise<VerifyHubResult> {
  const mode = o.restoreTest ? 'restore-test' : 'rehash'
  const started = o.now()
  const all = o.service === undefined
  let result: Verified
  try {
    const run = o.signal ? { signal: o.signal } : {}
    result = o.restoreTest ? { mode: 'restore-test', report: await hubRestoreTest(o.paths, o.service, o.log, run) } : { mode: 'rehash', report: await rehashStore(o.paths, o.service, o.log, run) }
  } catch (err) {
    if (all && isRoostError(err)) await record(o, { mode, results: {}, run: runOf(o, started, 0, 0, { code: err.code, message: err.message.slice(0, 4096) }) })
    throw err
  }
  const at = o.now()
  const results = result.mode === 'restore-test' ? Object.fromEntries(result.report.results.map(x => [x.service, checkOfDrill(x, at)])) : checksOfRehash(result.report, at)
  const failed = Object.values(results).filter(r => !r.ok).length
  const complete = all && !result.report.interrupted
  await record(o, { mode, results, ...(complete ? { run: runOf(o, started, Object.keys(results).length, failed) } : {}) })
  await askForFulls(o, results)
  return { ...result, checks: results }
}

/**
 * `roost mirror sync`: one pull from the upstream, in two stages as the Debian mirror
 * network does it. Stage one: fetch and verify the signed TREE.json, plan, bring every new
 * generation into the store through staging, each file checked against the index. Stage
 * two, only when all of that passed: publish the index (the commit point), then remove what
 * it no longer lists. A sync cut anywhere leaves the last published tree intact; the next
 * one rolls an interrupted publish forward and resumes cut transfers.
 */
import { progress } from '../lib/progress.js'
import { promises as fs } from 'node:fs'
import { basename, join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { parsePublicKey, type PublicKey } from '../lib/sign.js'
import { isRoostError } from '../lib/errors.js'
import type { SignedTree, Tree } from '../lib/formats/tree.js'
import { knownHostsLine, type SshTarget } from '../lib/ssh-client.js'
import { ensureDir, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { readPublishedTree } from '../lib/stores/published-tree.js'
import { checkFiles } from '../lib/stores/check-files.js'
import { acquireLock } from './lock.js'
import { fetchIndex } from './fetch-index.js'
import { fetchGeneration, type FetchContext } from './fetch-generation.js'
import { planSync, type GenRef, type SyncPlan } from './plan-sync.js'
import { commitPending, publishTree } from './publish.js'
import { genDir, listStore, reclaimGeneration, removeGeneration } from './store-ops.js'
import { readSuspects, clearSuspects } from './suspects.js'

export interface SyncResult {
  upToDate: boolean
  from: number | null
  serial: number
  fetched: string[]
  repaired: string[]
  removed: string[]
  /** Bytes of the generations fetched (as stored). */
  bytes: number
}

const label = (g: GenRef): string => `${g.service}/${g.generation}`

function entryOf(tree: Tree, g: GenRef) {
  return tree.services[g.service]!.generations[g.generation]!
}

/** The published tree, or undefined when there is none or it no longer verifies (then everything is rechecked). */
async function readPublished(store: string, key: PublicKey, log: Logger): Promise<Tree | undefined> {
  try {
    return (await readPublishedTree(store, key, { attempts: 1 }))?.tree
  } catch (err) {
    if (!isRoostError(err)) throw err
    log.warn({ err: err.message }, 'the published index does not verify; every stored generation will be rechecked')
    return undefined
  }
}

async function readFloor(stateFile: string): Promise<number | undefined> {
  const text = await readIfExists(stateFile)
  try {
    const serial = text ? (JSON.parse(text) as { serial?: unknown }).serial : undefined
    return typeof serial === 'number' ? serial : undefined
  } catch {
    return undefined // a damaged record: the published TREE.json still guards against rollback
  }
}

/** state/sync.json: the serial published here and when the last sync finished. */
async function recordSync(file: string, serial: number, at: Date, fetched: string[], removed: string[]): Promise<void> {
  await writeFileAtomic(file, JSON.stringify({ serial, time: at.toISOString(), fetched, removed }, null, 2) + '\n', 0o600)
}

/** Rehashes stored generations; a bad one goes back to staging and only its bad files are fetched again. */
async function recheck(c: FetchContext, plan: SyncPlan, tree: Tree): Promise<string[]> {
  const repaired: string[] = []
  for (const g of plan.recheck) {
    const problems = await checkFiles(genDir(c.store, g), entryOf(tree, g).files)
    if (!problems.length) continue
    c.log.warn({ service: g.service, generation: g.generation, files: problems.map(p => p.path) }, 'stored generation is damaged; repairing it')
    await reclaimGeneration(c.staging, c.store, g)
    for (const p of problems) await fs.rm(join(genDir(c.staging, g), basename(p.path)), { force: true })
    await fetchGeneration(c, g, entryOf(tree, g))
    repaired.push(label(g))
  }
  return repaired
}

/** Removes staging leftovers (cut transfers of generations no longer wanted), keeping the index cache. */
async function cleanStaging(staging: string): Promise<void> {
  for (const e of await fs.readdir(staging)) if (e !== '.index') await fs.rm(join(staging, e), { recursive: true, force: true })
}

/** Folders, the pinned host key for ssh, an interrupted publish rolled forward. */
async function prepare(config: MirrorConfig, paths: MirrorPaths, log: Logger): Promise<{ key: PublicKey; target: SshTarget }> {
  await ensureDir(paths.store, 0o755)
  await ensureDir(paths.staging)
  await writeFileAtomic(paths.knownHosts, knownHostsLine(config.upstream.hostKey), 0o600)
  const key = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
  const rolled = await commitPending(paths.staging, paths.store, key, log)
  if (rolled !== undefined) log.info({ serial: rolled }, 'rolled an interrupted publish forward')
  const target: SshTarget = { host: config.upstream.host, port: config.upstream.port, user: config.name, key: paths.key, knownHosts: paths.knownHosts }
  return { key, target }
}

/** Stage one (fetch, verify, install, repair), the commit point (publish), then removals. */
async function carryOut(c: FetchContext, plan: SyncPlan, incoming: { tree: Tree; signed: SignedTree }, key: PublicKey, paths: MirrorPaths): Promise<{ bytes: number; repaired: string[] }> {
  let bytes = 0
  const shown = progress('sync')
  try {
    for (const [i, g] of plan.fetch.entries()) {
      shown.update(`${g.service}/${g.generation}, generation`, i + 1, plan.fetch.length, 'items')
      await fetchGeneration(c, g, entryOf(incoming.tree, g))
      bytes += Object.values(entryOf(incoming.tree, g).files).reduce((n, f) => n + f.bytes, 0)
    }
  } finally {
    shown.end()
  }
  const repaired = await recheck(c, plan, incoming.tree)
  await publishTree(paths.staging, paths.store, incoming.signed, key, c.log)
  c.log.info({ serial: plan.to }, 'index published')
  for (const g of plan.remove) await removeGeneration(paths.store, g)
  await cleanStaging(paths.staging)
  await clearSuspects(paths.state)
  return { bytes, repaired }
}

/** Runs one sync under the mirror's lock (shared with verify). */
export async function syncMirror(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date): Promise<SyncResult> {
  await ensureDir(paths.state)
  const lock = await acquireLock(paths.lock)
  try {
    const { key, target } = await prepare(config, paths, log)
    const published = await readPublished(paths.store, key, log)
    const stateFile = join(paths.state, 'sync.json')
    const incoming = await fetchIndex(target, join(paths.staging, '.index'), key, log)
    const suspect = await readSuspects(paths.state)
    const plan = planSync(published, incoming.tree, await listStore(paths.store), { suspect, floor: await readFloor(stateFile) })
    const base = { from: plan.from ?? null, serial: plan.to }
    if (plan.upToDate) {
      log.info({ serial: plan.to }, 'already up to date')
      await recordSync(stateFile, plan.to, now(), [], [])
      return { upToDate: true, ...base, fetched: [], repaired: [], removed: [], bytes: 0 }
    }
    log.info({ from: plan.from, to: plan.to, fetch: plan.fetch.length, recheck: plan.recheck.length, remove: plan.remove.length }, 'sync planned')
    const done = await carryOut({ target, staging: paths.staging, store: paths.store, log }, plan, incoming, key, paths)
    const result = { upToDate: false, ...base, fetched: plan.fetch.map(label), repaired: done.repaired, removed: plan.remove.map(label), bytes: done.bytes }
    await recordSync(stateFile, plan.to, now(), result.fetched, result.removed)
    return result
  } finally {
    await lock.release()
  }
}

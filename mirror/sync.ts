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
import { knownHostsLine, endpointTarget, type SshTarget } from '../lib/ssh-client.js'
import { ensureDir, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { readPublishedTree, readTreePair } from '../lib/stores/published-tree.js'
import { checkFiles } from '../lib/stores/check-files.js'
import { acquireLock } from './lock.js'
import { fetchIndex, fetchSignature } from './fetch-index.js'
import { fetchGeneration, type FetchContext } from './fetch-generation.js'
import { planSync, type GenRef, type SyncPlan } from './plan-sync.js'
import { commitPending, publishTree } from './publish.js'
import { genDir, listStore, reclaimGeneration, removeGeneration } from './store-ops.js'
import { readSuspects, clearSuspects } from './suspects.js'
import { expireAttic, keepPruned, listAttic } from './attic.js'
import { checkDisk, hoursWindow } from './limits.js'
import { reportTrace } from './trace.js'
import type { TraceEntry } from '../lib/formats/trace.js'
import { sha256Hex } from '../lib/fsx/hash.js'
import { syncBucket } from './bucket.js'

export interface SyncResult {
  upToDate: boolean
  from: number | null
  serial: number
  fetched: string[]
  repaired: string[]
  removed: string[]
  /** Bytes of the generations fetched (as stored). */
  bytes: number
  /** Pruned generations moved into the attic (attic/<serial>/), and attic folders past `keep` removed. */
  kept?: string[]
  expired?: string[]
  /** Why nothing was done (outside the allowed hours), or why the sync stopped early (they ended). */
  skipped?: string
  stopped?: string
  /** Whether this mirror's trace reached its upstream. */
  traced?: boolean
}

const label = (g: GenRef): string => `${g.service}/${g.generation}`

function entryOf(tree: Tree, g: GenRef) {
  return tree.services[g.service]!.generations[g.generation]!
}

/** The published tree, or undefined when there is none or it no longer verifies (then everything is rechecked). */
async function readPublished(store: string, key: PublicKey, log: Logger): Promise<{ tree: Tree; signed: SignedTree } | undefined> {
  try {
    return await readPublishedTree(store, key, { attempts: 1 })
  } catch (err) {
    if (!isRoostError(err)) throw err
    log.warn({ err: err.message }, 'the published index does not verify; every stored generation will be rechecked')
    return undefined
  }
}


/** state/sync.json: the serial published here, since when, that tree's facts, and when the last sync finished. */
export interface SyncRecord {
  serial: number
  time: string
  since?: string
  tree?: string
  treePublished?: string
  fetched: string[]
  removed: string[]
}

export async function readSyncRecord(state: string): Promise<SyncRecord | undefined> {
  const text = await readIfExists(join(state, 'sync.json'))
  try {
    const r = text ? (JSON.parse(text) as SyncRecord) : undefined
    return r && typeof r.serial === 'number' ? r : undefined
  } catch {
    return undefined
  }
}

export async function recordSync(state: string, signed: SignedTree, tree: Tree, at: Date, fetched: string[], removed: string[]): Promise<void> {
  const prev = await readSyncRecord(state)
  const since = prev?.serial === tree.serial && prev.since ? prev.since : at.toISOString()
  await writeSyncRecord(state, { serial: tree.serial, time: at.toISOString(), since, tree: sha256Hex(signed.bytes), treePublished: tree.published, fetched, removed })
}

async function writeSyncRecord(state: string, r: SyncRecord): Promise<void> {
  await writeFileAtomic(join(state, 'sync.json'), JSON.stringify(r, null, 2) + '\n', 0o600)
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
  const target = endpointTarget(config.upstream, config.name, paths.key, paths.knownHosts)
  return { key, target }
}

/** Stage one (fetch, verify, install, repair), the commit point (publish), then removals (into the attic unless `keep` is 0). */
async function carryOut(c: FetchContext, plan: SyncPlan, incoming: { tree: Tree; signed: SignedTree }, key: PublicKey, paths: MirrorPaths, old: { signed: SignedTree; tree: Tree } | undefined, keep: number | 'all', now: Date): Promise<{ bytes: number; repaired: string[]; kept: string[] }> {
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
  // what the old index listed is kept a while (the upstream pruned it); leftovers it never listed go
  const listed = (g: GenRef) => Boolean(old?.tree.services[g.service]?.generations[g.generation])
  const toKeep = keep !== 0 && old ? plan.remove.filter(listed) : []
  if (toKeep.length) await keepPruned(paths.root, paths.store, old!.signed, old!.tree.serial, toKeep, now, c.log)
  for (const g of plan.remove) if (!toKeep.includes(g)) await removeGeneration(paths.store, g)
  await cleanStaging(paths.staging)
  await clearSuspects(paths.state)
  return { bytes, repaired, kept: toKeep.map(label) }
}

/**
 * Bytes held in the store (as the published index counts them) and the attic. Attic files are
 * counted once per inode, and chain links hard-linked into an attic folder (ATTIC.json
 * `linked`) not at all: they are the store's or an older attic folder's files.
 */
async function heldBytes(paths: MirrorPaths, tree: Tree | undefined): Promise<number> {
  let n = 0
  for (const svc of Object.values(tree?.services ?? {})) for (const g of Object.values(svc.generations)) for (const f of Object.values(g.files)) n += f.bytes
  const seen = new Set<string>()
  for (const { dir, record } of await listAttic(paths.root)) {
    for (const k of record.generations) {
      const gdir = join(dir, k)
      for (const name of await fs.readdir(gdir).catch(() => [] as string[])) {
        const st = await fs.stat(join(gdir, name))
        const id = `${st.dev}:${st.ino}`
        if (!seen.has(id)) n += st.size
        seen.add(id)
      }
    }
  }
  return n
}

/** Refuses (DISK_CAP) a sync that would not fit; nothing has been fetched yet. */
async function checkRoom(config: MirrorConfig, paths: MirrorPaths, plan: SyncPlan, tree: Tree, published: Tree | undefined): Promise<void> {
  if (!plan.fetch.length) return
  const incoming = plan.fetch.reduce((n, g) => n + Object.values(entryOf(tree, g).files).reduce((m, f) => m + f.bytes, 0), 0)
  const st = await fs.statfs(paths.store)
  checkDisk({ held: config.limits.disk === undefined ? 0 : await heldBytes(paths, published), incoming, free: st.bavail * st.bsize, ...(config.limits.disk === undefined ? {} : { cap: config.limits.disk }) })
}

/**
 * The quick check: the upstream's TREE.json.sig is the one published here, and the last sync
 * here finished exactly that tree with nothing suspect. Ed25519 signatures are deterministic:
 * the same signature by the pinned key means the same index, so nothing is new. It costs one
 * rsync of a 150-byte file, whatever the tree's size; nothing is parsed or verified (the
 * published pair was verified when it was published). An upstream whose TREE.json was altered
 * but not its signature is not noticed here: nothing is taken from it either.
 */
async function nothingNew(target: SshTarget, paths: MirrorPaths): Promise<SyncRecord | undefined> {
  const [record, here] = await Promise.all([readSyncRecord(paths.state), readTreePair(paths.store)])
  if (!record || !here || record.tree !== sha256Hex(here.bytes)) return undefined
  if ((await readSuspects(paths.state)).size) return undefined
  const sig = await fetchSignature(target, join(paths.staging, '.index'))
  return sig !== undefined && sig === here.signature ? record : undefined
}

/** The sync proper, under the mirror's lock. */
async function syncStore(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date, signal: AbortSignal, knownNew = false): Promise<SyncResult> {
  await ensureDir(paths.state)
  const lock = await acquireLock(paths.lock)
  try {
    const { key, target } = await prepare(config, paths, log)
    const none = { fetched: [], repaired: [], removed: [], bytes: 0, kept: [] as string[] }
    const expired = await expireAttic(paths.root, config.keep, now(), log)
    const same = knownNew ? undefined : await nothingNew(target, paths)
    if (same) {
      log.info({ serial: same.serial }, 'already up to date (the upstream serves the index published here)')
      await writeSyncRecord(paths.state, { ...same, time: now().toISOString(), fetched: [], removed: [] })
      return { upToDate: true, from: same.serial, serial: same.serial, ...none, expired }
    }
    const published = await readPublished(paths.store, key, log)
    const incoming = await fetchIndex(target, join(paths.staging, '.index'), key, log)
    const suspect = await readSuspects(paths.state)
    const plan = planSync(published?.tree, incoming.tree, await listStore(paths.store), { suspect, floor: (await readSyncRecord(paths.state))?.serial })
    const base = { from: plan.from ?? null, serial: plan.to }
    if (plan.upToDate) {
      log.info({ serial: plan.to }, 'already up to date')
      await recordSync(paths.state, incoming.signed, incoming.tree, now(), [], [])
      return { upToDate: true, ...base, ...none, expired }
    }
    log.info({ from: plan.from, to: plan.to, fetch: plan.fetch.length, recheck: plan.recheck.length, remove: plan.remove.length }, 'sync planned')
    await checkRoom(config, paths, plan, incoming.tree, published?.tree)
    const c: FetchContext = { target, staging: paths.staging, store: paths.store, log, signal, ...(config.limits.bandwidth ? { bandwidth: config.limits.bandwidth } : {}) }
    const done = await carryOut(c, plan, incoming, key, paths, published, config.keep, now())
    const result = { upToDate: false, ...base, fetched: plan.fetch.map(label), repaired: done.repaired, removed: plan.remove.map(label), bytes: done.bytes, kept: done.kept, expired }
    await recordSync(paths.state, incoming.signed, incoming.tree, now(), result.fetched, result.removed)
    return result
  } finally {
    await lock.release()
  }
}

/** This mirror's own trace entry, from state/sync.json. */
async function ownEntry(paths: MirrorPaths, now: Date, error?: string): Promise<Omit<TraceEntry, 'path'>> {
  const r = await readSyncRecord(paths.state)
  return {
    serial: r?.serial ?? null,
    tree: r?.tree ?? null,
    treePublished: r?.treePublished ?? null,
    syncedAt: r?.since ?? null,
    checkedAt: now.toISOString(),
    ...(error ? { error: error.slice(0, 500) } : {}),
  }
}

/** The result of a sync that changed nothing published (skipped, or stopped before its publish). */
async function nothingDone(paths: MirrorPaths): Promise<SyncResult> {
  const r = await readSyncRecord(paths.state)
  return { upToDate: false, from: r?.serial ?? null, serial: r?.serial ?? 0, fetched: [], repaired: [], removed: [], bytes: 0, kept: [], expired: [] }
}

export interface SyncOptions {
  /** Report the trace upstream (default true). */
  trace?: boolean
  /** The caller knows the upstream published a new index (`mirror watch`): skip the quick check. */
  knownNew?: boolean
}

/**
 * Runs one sync under the mirror's lock (shared with verify), within the allowed hours (a
 * transfer still running when they end is stopped; the next sync resumes it), then reports
 * this mirror's trace upstream, also after a failed sync (with its error).
 */
export async function syncMirror(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date, o: SyncOptions = {}): Promise<SyncResult> {
  const hours = config.limits.hours ? hoursWindow(config.limits.hours, now()) : undefined
  if (hours && !hours.inside) {
    const why = `outside the allowed hours (${config.limits.hours}); the next window opens in ${Math.ceil(hours.ms / 60_000)} min`
    log.info({ hours: config.limits.hours }, why)
    return { ...(await nothingDone(paths)), skipped: why }
  }
  const abort = new AbortController()
  const timer = hours && Number.isFinite(hours.ms) ? setTimeout(() => abort.abort(new Error(`the allowed hours (${config.limits.hours}) ended`)), hours.ms) : undefined
  const target = endpointTarget(config.upstream, config.name, paths.key, paths.knownHosts)
  const report = async (error?: string): Promise<boolean> => (o.trace ?? true) && reportTrace(config, paths, target, await ownEntry(paths, now(), error), log)
  let result: SyncResult
  try {
    result = config.bucket ? await syncBucket(config, paths, log, now, abort.signal) : await syncStore(config, paths, log, now, abort.signal, o.knownNew)
  } catch (err) {
    if (abort.signal.aborted) {
      const why = `stopped: ${(abort.signal.reason as Error).message}; the next sync resumes where this one stopped`
      log.warn(why)
      // not a failure, and the window is closed: no trace now (the next sync reports)
      return { ...(await nothingDone(paths)), stopped: why }
    }
    if (!(isRoostError(err, 'LOCKED'))) await report((err as Error).message)
    throw err
  } finally {
    clearTimeout(timer)
  }
  return { ...result, traced: await report() }
}

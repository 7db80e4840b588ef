/**
 * The attic of a mirror whose store is a bucket: mirror/attic.ts, through rclone. A sync that
 * drops generations the previously published index listed (the upstream pruned them) moves
 * them server-side (rclone move: a rename on a local remote, copy + delete inside the object
 * store on S3 and the like; nothing is downloaded) to `<remote>/attic/<serial>/<svc>/<gen>/`,
 * where <serial> is that previous index, which is uploaded beside them (TREE.json.sig first,
 * then TREE.json). The rest of each chain (a manifest's `parent`/`base`, read from the bucket
 * and checked against that index) is copied in server-side from the bucket's store or an older
 * attic folder, and ATTIC.json ({serial, prunedAt, generations, linked}) is written last. Each
 * attic folder is then a store of its own: `roost restore … --from rclone:REMOTE/attic/<serial>`.
 *
 * The work survives a cut: before the new index is published, the previous signed pair and
 * the generations to keep go to staging/.attic-pending/; after the publish they are moved,
 * and only then is the pending folder removed. A sync cut in between finishes the work first
 * thing next time (moving only what the bucket's published index no longer lists), so a
 * generation the upstream pruned is never lost to a leftover sweep.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { isRoostError } from '../lib/errors.js'
import type { PublicKey } from '../lib/sign.js'
import { isGenerationId, isName, GENERATION_RE } from '../lib/formats/names.js'
import { openTree, TREE_FILE, TREE_SIG_FILE, type SignedTree, type Tree } from '../lib/formats/tree.js'
import { MANIFEST } from '../lib/layout.js'
import { sha256Hex } from '../lib/fsx/hash.js'
import { ensureDir, readIfExists, writeFileAtomic } from '../lib/fsx/atomic.js'
import { readTreePair } from '../lib/stores/published-tree.js'
import { catArgs, copyRemoteArgs, copytoArgs, listFiles, moveArgs, purgeArgs, remotePath, rmdirArgs, runRclone } from '../lib/rclone.js'
import { ATTIC_FILE, expiredAttic, type AtticRecord } from './attic.js'
import { bucketGenPath, type Bucket } from './bucket-store.js'
import type { GenRef } from './plan-sync.js'

const PENDING = '.attic-pending'
const PENDING_FILE = 'pending.json'

const label = (g: GenRef): string => `${g.service}/${g.generation}`

function refOf(k: string): GenRef {
  const [service, generation] = k.split('/')
  return { service: service!, generation: generation! }
}

/** staging/.attic-pending/: the previous signed pair and what to keep, from before a publish until the moves are done. */
export function atticPendingDir(staging: string): string {
  return join(staging, PENDING)
}

/** `<remote>/attic`, and `<remote>/attic/<serial>`. Pure. */
export function bucketAtticRoot(b: Bucket): string {
  return remotePath(b.remote, 'attic')
}
export function bucketAtticDir(b: Bucket, serial: number): string {
  return remotePath(b.remote, 'attic', String(serial))
}

/** What one listing of the bucket says: files of each stored generation, and of each attic folder. */
export interface BucketScan {
  /** 'svc/gen' → file names, for `<remote>/<svc>/<gen>/<name>`. */
  store: Map<string, Set<string>>
  /** serial → 'svc/gen' → file names, for `<remote>/attic/<serial>/<svc>/<gen>/<name>`. */
  attic: Map<number, Map<string, Set<string>>>
  /** Attic folders with an ATTIC.json. */
  records: Set<number>
}

function add(m: Map<string, Set<string>>, k: string, name: string): void {
  const s = m.get(k) ?? new Set<string>()
  s.add(name)
  m.set(k, s)
}

/** Sorts the paths of a recursive listing of the bucket into a BucketScan. Pure. */
export function scanPaths(paths: readonly string[]): BucketScan {
  const scan: BucketScan = { store: new Map(), attic: new Map(), records: new Set() }
  for (const p of paths) {
    const parts = p.split('/')
    if (parts.length === 3 && isName(parts[0]!) && isGenerationId(parts[1]!)) add(scan.store, `${parts[0]}/${parts[1]}`, parts[2]!)
    else if (parts[0] === 'attic' && /^\d+$/.test(parts[1] ?? '')) {
      const serial = Number(parts[1])
      if (parts.length === 3 && parts[2] === ATTIC_FILE) scan.records.add(serial)
      else if (parts.length === 5 && isName(parts[2]!) && isGenerationId(parts[3]!)) {
        const m = scan.attic.get(serial) ?? new Map<string, Set<string>>()
        add(m, `${parts[2]}/${parts[3]}`, parts[4]!)
        scan.attic.set(serial, m)
      }
    }
  }
  return scan
}

async function scanBucket(b: Bucket): Promise<BucketScan> {
  return scanPaths((await listFiles(b.rclone, b.remote, { recursive: true })).map(f => f.path))
}

/** A small remote file as text, or undefined when it is not there. */
async function readRemote(b: Bucket, path: string): Promise<string | undefined> {
  const r = await runRclone(catArgs(b.rclone, path), `reading ${path}`, { okCodes: [3, 4] })
  return r.exitCode === 0 ? r.stdout : undefined
}

function parseRecord(text: string | undefined): AtticRecord | undefined {
  try {
    const r = text ? (JSON.parse(text) as AtticRecord) : undefined
    return r && typeof r.serial === 'number' && typeof r.prunedAt === 'string' && Array.isArray(r.generations) && Array.isArray(r.linked) ? r : undefined
  } catch {
    return undefined
  }
}

/**
 * The base (diff) or parent (incr) the manifest of an attic generation names: read from the
 * bucket and checked against the index that listed it (a manifest that does not match is not
 * followed; restore would refuse it anyway).
 */
async function linkOf(b: Bucket, dir: string, tree: Tree, g: GenRef, log: Logger): Promise<string | undefined> {
  const want = tree.services[g.service]?.generations[g.generation]?.files[MANIFEST]
  const text = want ? await readRemote(b, remotePath(dir, g.service, g.generation, MANIFEST)) : undefined
  if (!want || text === undefined) return undefined
  if (sha256Hex(Buffer.from(text, 'utf8')) !== want.sha256) {
    log.warn({ service: g.service, generation: g.generation, attic: dir }, 'the manifest in the attic does not match its index; its chain is not followed')
    return undefined
  }
  try {
    const m = JSON.parse(text) as { parent?: unknown; base?: unknown }
    const id = typeof m.parent === 'string' ? m.parent : typeof m.base === 'string' ? m.base : undefined
    return id && GENERATION_RE.test(id) ? id : undefined
  } catch {
    return undefined
  }
}

/** Before the publish: keeps the previous signed pair and the generations it will drop in staging/.attic-pending/. */
export async function stageAttic(staging: string, previous: SignedTree, gens: readonly GenRef[]): Promise<void> {
  const dir = atticPendingDir(staging)
  await fs.rm(dir, { recursive: true, force: true })
  await ensureDir(dir)
  await writeFileAtomic(join(dir, TREE_SIG_FILE), previous.signature, 0o600)
  await writeFileAtomic(join(dir, TREE_FILE), previous.bytes, 0o600)
  await writeFileAtomic(join(dir, PENDING_FILE), JSON.stringify({ generations: gens.map(label) }) + '\n', 0o600)
}

/**
 * Moves pruned generations into `<remote>/attic/<serial>/` with the signed index that listed
 * them (`previous`), copies in the rest of their chains, and writes ATTIC.json last. Safe to
 * run again after a cut: what was moved is not moved twice, a link already whole is not copied.
 * Returns the folder and its record.
 */
export async function keepPrunedInBucket(b: Bucket, work: string, previous: { signed: SignedTree; tree: Tree }, gens: readonly GenRef[], now: Date, log: Logger): Promise<{ dir: string; record: AtticRecord }> {
  const { tree } = previous
  const serial = tree.serial
  const dir = bucketAtticDir(b, serial)
  await ensureDir(work)
  for (const [name, bytes] of [[TREE_SIG_FILE, previous.signed.signature], [TREE_FILE, previous.signed.bytes]] as const) {
    await writeFileAtomic(join(work, name), bytes, 0o600)
    await runRclone(copytoArgs(b.rclone, join(work, name), remotePath(dir, name)), `uploading ${remotePath(dir, name)}`)
  }
  const scan = await scanBucket(b)
  const here = scan.attic.get(serial) ?? new Map<string, Set<string>>()
  const moved: string[] = []
  for (const g of gens) {
    const k = label(g)
    if (scan.store.has(k)) {
      await runRclone(moveArgs(b.rclone, bucketGenPath(b, g), remotePath(dir, g.service, g.generation)), `moving ${k} into ${dir}`, { okCodes: [3] })
      // only when empty; a bucket has no folders and says so
      await runRclone(rmdirArgs(b.rclone, remotePath(b.remote, g.service)), `removing the empty ${remotePath(b.remote, g.service)}`, { okCodes: [1, 2, 3, 4, 5, 6] })
      here.set(k, new Set([...(here.get(k) ?? []), ...scan.store.get(k)!]))
      scan.store.delete(k)
    } else if (!here.has(k)) {
      log.warn({ service: g.service, generation: g.generation }, 'a pruned generation is not in the bucket; nothing to keep')
      continue
    }
    moved.push(k)
  }
  // the rest of each chain, from wherever it is still held: the store, else an older attic folder
  const linked: string[] = []
  const older = [...scan.attic.entries()].filter(([s]) => s !== serial).sort(([a], [c]) => c - a)
  for (const k of moved) {
    let g = refOf(k)
    let id = await linkOf(b, dir, tree, g, log)
    while (id) {
      const link = { service: g.service, generation: id }
      const lk = label(link)
      const want = Object.keys(tree.services[link.service]?.generations[id]?.files ?? {})
      if (!want.length) break // not in the index: nothing of the chain restores from here anyway
      const has = here.get(lk)
      if (!has || want.some(n => !has.has(n))) {
        const whole = (s: Set<string> | undefined): boolean => Boolean(s) && want.every(n => s!.has(n))
        const from = whole(scan.store.get(lk)) ? bucketGenPath(b, link) : older.filter(([, m]) => whole(m.get(lk))).map(([s]) => remotePath(bucketAtticDir(b, s), link.service, id!))[0]
        if (!from) {
          log.warn({ service: link.service, generation: id, attic: dir }, 'a link of a pruned chain is held nowhere in the bucket; the chain ends here')
          break
        }
        await runRclone(copyRemoteArgs(b.rclone, from, remotePath(dir, link.service, id)), `copying ${lk} into ${dir}`)
        here.set(lk, new Set(want))
        if (!moved.includes(lk) && !linked.includes(lk)) linked.push(lk)
      }
      g = link
      id = await linkOf(b, dir, tree, g, log)
    }
  }
  const before = scan.records.has(serial) ? parseRecord(await readRemote(b, remotePath(dir, ATTIC_FILE))) : undefined
  const union = (a: readonly string[] = [], c: readonly string[]): string[] => [...new Set([...a, ...c])].sort()
  const generations = union(before?.generations, moved)
  const record: AtticRecord = { serial, prunedAt: now.toISOString(), generations, linked: union(before?.linked, linked).filter(k => !generations.includes(k)) }
  await writeFileAtomic(join(work, ATTIC_FILE), JSON.stringify(record, null, 2) + '\n', 0o600)
  await runRclone(copytoArgs(b.rclone, join(work, ATTIC_FILE), remotePath(dir, ATTIC_FILE)), `uploading ${remotePath(dir, ATTIC_FILE)}`)
  log.info({ attic: dir, generations: moved, linked }, 'pruned generations kept in the attic')
  return { dir, record }
}

/**
 * After the publish (or first thing in a sync, after a cut): moves what staging/.attic-pending/
 * names into the attic, only what `published` (the bucket's index now) no longer lists, then
 * removes the pending folder. Undefined when there was nothing pending; with no verified
 * published index the pending work waits for a sync that has one.
 */
export async function keepPendingAttic(b: Bucket, staging: string, key: PublicKey, published: Tree | undefined, now: Date, log: Logger): Promise<{ dir: string; record: AtticRecord } | undefined> {
  const dir = atticPendingDir(staging)
  const pair = await readTreePair(dir)
  const text = await readIfExists(join(dir, PENDING_FILE))
  const discard = (): Promise<void> => fs.rm(dir, { recursive: true, force: true })
  if (!pair || !text) {
    await discard()
    return undefined
  }
  if (!published) return undefined
  let tree: Tree
  let names: string[]
  try {
    tree = openTree(pair, key, join(dir, TREE_FILE))
    const v = (JSON.parse(text) as { generations?: unknown }).generations
    names = Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string' && /^[^/]+\/[^/]+$/.test(k)) : []
  } catch (err) {
    if (isRoostError(err) || err instanceof SyntaxError) {
      log.warn({ err: (err as Error).message }, 'discarding a damaged pending attic record')
      await discard()
      return undefined
    }
    throw err
  }
  const gens = names.map(refOf).filter(g => !published.services[g.service]?.generations[g.generation] && tree.services[g.service]?.generations[g.generation])
  const kept = gens.length ? await keepPrunedInBucket(b, join(dir, 'work'), { signed: pair, tree }, gens, now, log) : undefined
  await discard()
  return kept
}

/** Every attic folder of the bucket with its record (folders without a readable ATTIC.json are skipped). */
export async function listBucketAttic(b: Bucket): Promise<{ dir: string; record: AtticRecord }[]> {
  const out: { dir: string; record: AtticRecord }[] = []
  for (const f of await listFiles(b.rclone, bucketAtticRoot(b), { recursive: true })) {
    const m = /^(\d+)\/ATTIC\.json$/.exec(f.path)
    if (!m) continue
    const dir = bucketAtticDir(b, Number(m[1]))
    const record = parseRecord(await readRemote(b, remotePath(dir, ATTIC_FILE)))
    if (record) out.push({ dir, record })
  }
  return out.sort((a, c) => a.record.serial - c.record.serial)
}

/** Removes the bucket's attic folders past `keep` (nothing is listed with `keep: all`). Returns the folders removed. */
export async function expireBucketAttic(b: Bucket, keep: number | 'all', now: Date, log: Logger): Promise<string[]> {
  if (keep === 'all') return []
  const gone = expiredAttic(await listBucketAttic(b), keep, now)
  for (const dir of gone) {
    await runRclone(purgeArgs(b.rclone, dir), `removing ${dir}`, { okCodes: [3, 4] })
    log.info({ attic: dir }, 'attic folder past its keep period removed')
  }
  if (gone.length) await runRclone(rmdirArgs(b.rclone, bucketAtticRoot(b)), `removing the empty ${bucketAtticRoot(b)}`, { okCodes: [1, 2, 3, 4, 5, 6] })
  return gone
}

/**
 * What a sync must do to make the mirror's store match an incoming, verified TREE.json.
 * Pure: plain data in, a plan out; the executor (sync.ts) does the I/O.
 */
import { RoostError } from '../lib/errors.js'
import { treeGenerations, type Tree, type TreeGeneration } from '../lib/formats/tree.js'

/** One generation of one service. */
export interface GenRef {
  service: string
  generation: string
}

export interface SyncPlan {
  /** The serial published now (undefined when nothing is) and the incoming one. */
  from: number | undefined
  to: number
  /** True when the incoming tree is the published one and the store holds all of it. */
  upToDate: boolean
  /** In the incoming tree, not in the store: rsync into staging, verify, move into the store. */
  fetch: GenRef[]
  /** In both, but not verified against this tree yet (or suspected of rot): rehash in place. */
  recheck: GenRef[]
  /** In the store, no longer in the incoming tree: remove after publishing. */
  remove: GenRef[]
}

export interface PlanOptions {
  /** 'svc/gen' keys a verify found bad: rechecked (and refetched if still bad). */
  suspect?: ReadonlySet<string>
  /** The last serial this mirror published, from its own records (guards rollback when TREE.json is lost). */
  floor?: number
}

const key = (service: string, generation: string): string => `${service}/${generation}`

function sameFiles(a: TreeGeneration | undefined, b: TreeGeneration): boolean {
  if (!a) return false
  const names = Object.keys(b.files)
  if (Object.keys(a.files).length !== names.length) return false
  return names.every(n => a.files[n]?.sha256 === b.files[n]!.sha256 && a.files[n]?.bytes === b.files[n]!.bytes)
}

function ref(k: string): GenRef {
  const i = k.indexOf('/')
  return { service: k.slice(0, i), generation: k.slice(i + 1) }
}

/**
 * Plans a sync. `have` holds 'svc/gen' for every generation folder in the store.
 * Throws INDEX_ROLLBACK when the incoming serial is lower than the published one (or the
 * recorded floor): an upstream replaying an old index must not make the mirror forget.
 */
export function planSync(published: Tree | undefined, incoming: Tree, have: ReadonlySet<string>, o: PlanOptions = {}): SyncPlan {
  const floor = Math.max(published?.serial ?? -1, o.floor ?? -1)
  if (incoming.serial < floor) {
    throw new RoostError('INDEX_ROLLBACK', `the upstream's TREE.json has serial ${incoming.serial}, lower than ${floor} already published here; refusing to go back`, {
      hint: 'an old or replayed index; check the upstream before trusting it',
    })
  }
  const fetch: GenRef[] = []
  const recheck: GenRef[] = []
  const wanted = new Set<string>()
  for (const g of treeGenerations(incoming)) {
    const k = key(g.service, g.generation)
    wanted.add(k)
    if (!have.has(k)) fetch.push({ service: g.service, generation: g.generation })
    else if (o.suspect?.has(k) || !sameFiles(published?.services[g.service]?.generations[g.generation], g.entry)) recheck.push({ service: g.service, generation: g.generation })
  }
  const remove = [...have].filter(k => !wanted.has(k)).sort().map(ref)
  const upToDate = published !== undefined && incoming.serial === published.serial && fetch.length + recheck.length + remove.length === 0
  return { from: published?.serial, to: incoming.serial, upToDate, fetch, recheck, remove }
}

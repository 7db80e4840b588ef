/**
 * `roost mirror verify`: rehashes every file of the published tree (TREE.json checked with
 * the pinned index key) and reports each file that is missing or differs. Damaged
 * generations are recorded in state/suspects.json so the next sync repairs them. Holds the
 * mirror's lock, so a sync cannot remove files from under it.
 */
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { RoostError } from '../lib/errors.js'
import { parsePublicKey } from '../lib/sign.js'
import { treeGenerations } from '../lib/formats/tree.js'
import { readPublishedTree } from '../lib/stores/published-tree.js'
import { checkFiles, type CheckTotals, type FileProblem } from '../lib/stores/check-files.js'
import { acquireLock } from './lock.js'
import { genDir } from './store-ops.js'
import { writeSuspects } from './suspects.js'
import { verifyBucket } from './bucket-verify.js'

export interface VerifyProblem extends FileProblem {
  service: string
  generation: string
}

export interface VerifyReport {
  ok: boolean
  serial: number
  services: number
  generations: number
  files: number
  bytes: number
  problems: VerifyProblem[]
}

/** Rehashes the published tree. Throws INDEX_MISSING when nothing is published, INDEX_BAD_SIGNATURE when TREE.json is forged. */
export async function verifyMirror(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date): Promise<VerifyReport> {
  if (config.bucket) return verifyBucket(config, paths, log, now)
  const lock = await acquireLock(paths.lock)
  try {
    const key = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
    const published = await readPublishedTree(paths.store, key)
    if (!published) throw new RoostError('INDEX_MISSING', `${paths.store} has no published TREE.json yet`, { hint: 'run roost mirror sync first' })
    const { tree } = published
    const totals: CheckTotals = { files: 0, bytes: 0 }
    const problems: VerifyProblem[] = []
    const gens = treeGenerations(tree)
    for (const g of gens) {
      const found = await checkFiles(genDir(paths.store, g), g.entry.files, totals)
      problems.push(...found.map(p => ({ ...p, service: g.service, generation: g.generation })))
    }
    const damaged = [...new Set(problems.map(p => `${p.service}/${p.generation}`))]
    await writeSuspects(paths.state, damaged, now())
    if (problems.length) log.warn({ problems: problems.length, generations: damaged.length }, 'verify found damage')
    else log.info({ serial: tree.serial, files: totals.files, bytes: totals.bytes }, 'store verified')
    return { ok: problems.length === 0, serial: tree.serial, services: Object.keys(tree.services).length, generations: gens.length, ...totals, problems }
  } finally {
    await lock.release()
  }
}

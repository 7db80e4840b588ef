/**
 * `roost mirror verify --repair`: the generations a verify found damaged (state/suspects.json)
 * are fetched again at once, not at the next sync, from the upstream first and then from each
 * configured peer (`peers:` in mirror.yaml; each must have added this mirror with its key).
 * Only the bad files are fetched (the good ones are the delta basis); every file is checked
 * against the index published here before the generation goes back into the store, so a
 * peer can only help, never harm. A generation no source could mend stays suspect.
 */
import { promises as fs } from 'node:fs'
import { basename, join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import type { Endpoint } from '../lib/config/types.js'
import { parsePublicKey } from '../lib/sign.js'
import { readPublishedTree } from '../lib/stores/published-tree.js'
import { checkFiles } from '../lib/stores/check-files.js'
import { knownHostsLine, endpointTarget, type SshTarget } from '../lib/ssh-client.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { acquireLock } from './lock.js'
import { stageGeneration } from './fetch-generation.js'
import { genDir, installGeneration, reclaimGeneration } from './store-ops.js'
import { readSuspects, writeSuspects } from './suspects.js'
import type { GenRef } from './plan-sync.js'

export interface RepairResult {
  /** 'svc/gen' → where it was mended from (`upstream` or a peer's host:port). */
  repaired: Record<string, string>
  /** Still damaged: no source had a good copy. */
  failed: string[]
}

async function targetFor(config: MirrorConfig, paths: MirrorPaths, e: Endpoint, i: number): Promise<SshTarget> {
  const knownHosts = i < 0 ? paths.knownHosts : join(paths.state, `known_hosts.peer${i + 1}`)
  await writeFileAtomic(knownHosts, knownHostsLine(e.hostKey), 0o600)
  return endpointTarget(e, config.name, paths.key, knownHosts)
}

/** Mends every suspect generation it can, under the mirror's lock. */
export async function repairMirror(config: MirrorConfig, paths: MirrorPaths, log: Logger, now: () => Date): Promise<RepairResult> {
  const lock = await acquireLock(paths.lock)
  try {
    const key = parsePublicKey(config.indexKey, `${paths.config}: indexKey`)
    const published = await readPublishedTree(paths.store, key)
    const suspects = [...(await readSuspects(paths.state))]
    const result: RepairResult = { repaired: {}, failed: [] }
    if (!published || !suspects.length) return result
    const sources: Array<{ name: string; target: SshTarget }> = [{ name: 'upstream', target: await targetFor(config, paths, config.upstream, -1) }]
    for (const [i, p] of config.peers.entries()) sources.push({ name: `${p.host}:${p.port}`, target: await targetFor(config, paths, p, i) })
    await ensureDir(paths.staging)
    for (const k of suspects) {
      const [service, generation] = k.split('/') as [string, string]
      const g: GenRef = { service, generation }
      const entry = published.tree.services[service]?.generations[generation]
      if (!entry) continue // no longer listed: the next sync removes it
      const problems = await checkFiles(genDir(paths.store, g), entry.files)
      if (!problems.length) {
        result.repaired[k] = 'already good'
        continue
      }
      await reclaimGeneration(paths.staging, paths.store, g)
      // the damaged files are set aside (rsync's quick check could keep a same-size one), and put back if nothing mends them
      const aside = join(paths.staging, '.aside', service, generation)
      await ensureDir(aside)
      const moved: string[] = []
      for (const p of problems) {
        const name = basename(p.path)
        if (await fs.rename(join(genDir(paths.staging, g), name), join(aside, name)).then(() => true, () => false)) moved.push(name)
      }
      let from: string | undefined
      for (const s of sources) {
        try {
          await stageGeneration({ target: s.target, staging: paths.staging, store: paths.store, log, ...(config.limits.bandwidth ? { bandwidth: config.limits.bandwidth } : {}) }, g, entry)
          from = s.name
          break
        } catch (err) {
          log.warn({ generation: k, source: s.name, err: (err as Error).message }, 'could not repair from this source; trying the next')
        }
      }
      if (from) {
        await installGeneration(paths.staging, paths.store, g)
        result.repaired[k] = from
        log.info({ generation: k, from }, 'generation repaired')
      } else {
        // back into the store as it was (damaged, never worse); it stays suspect
        for (const e of await fs.readdir(genDir(paths.staging, g))) if (!Object.hasOwn(entry.files, e)) await fs.rm(join(genDir(paths.staging, g), e), { recursive: true, force: true })
        for (const name of moved) await fs.rename(join(aside, name), join(genDir(paths.staging, g), name)).catch(() => {})
        await installGeneration(paths.staging, paths.store, g)
        result.failed.push(k)
      }
      await fs.rm(aside, { recursive: true, force: true })
    }
    await writeSuspects(paths.state, result.failed, now())
    return result
  } finally {
    await lock.release()
  }
}

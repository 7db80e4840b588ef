/**
 * Chains of generations: a full stands alone, a diff builds on a full (`base`), an incr on the
 * generation before it (`parent`). Restoring a generation replays its chain oldest first:
 * the full, then (for a diff) the diff, or (for an incr) every link up to it. Pure.
 */
import { RoostError } from '../errors.js'

/** What a generation says about what it builds on (a manifest, a books record, a tree entry). */
export interface ChainLink {
  generation: string
  kind: 'full' | 'diff' | 'incr'
  base?: string | null
  parent?: string | null
}

/** The generation this one builds on directly, or null for a full. */
export function dependsOn(g: ChainLink): string | null {
  if (g.kind === 'full') return null
  return (g.kind === 'diff' ? g.base : g.parent) ?? null
}

/**
 * The chain ending in `target`, oldest first (a full first). `lookup` returns what a generation
 * builds on, or undefined when it is not held. Throws CHAIN_BROKEN naming the missing link,
 * and on a loop or a chain that does not start with a full.
 */
export function resolveChain(target: string, lookup: (generation: string) => ChainLink | undefined, where: string): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  let id: string | null = target
  while (id !== null) {
    if (seen.has(id)) throw new RoostError('CHAIN_BROKEN', `the chain of ${target} in ${where} loops at ${id}`)
    seen.add(id)
    const link = lookup(id)
    if (!link) {
      throw new RoostError('CHAIN_BROKEN', id === target ? `generation ${target} is not in ${where}` : `${target} needs ${id}, which is not in ${where}`, {
        hint: 'restore an older generation whose chain is complete, or use another tier (hub, mirror, discs)',
      })
    }
    out.push(id)
    id = dependsOn(link)
  }
  return out.reverse()
}

/**
 * Every generation that some generation in `keep` needs (its whole chain), including `keep`
 * itself. Links that are not held are skipped (a broken chain is reported elsewhere).
 */
export function closure(keep: Iterable<string>, lookup: (generation: string) => ChainLink | undefined): Set<string> {
  const out = new Set<string>()
  for (const start of keep) {
    let id: string | null = start
    while (id !== null && !out.has(id)) {
      const link = lookup(id)
      if (!link) break
      out.add(id)
      id = dependsOn(link)
    }
  }
  return out
}

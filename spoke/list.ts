/**
 * `roost spoke list`: the generations the hub holds for this service (its store listing)
 * beside those kept on this host, with their kind, which local ones the hub has accepted,
 * and the labels their local manifests carry. `mergeGenerations` is pure.
 */
import { loadSpokeConfig } from '../lib/config/spoke.js'
import { generationKind, type Kind } from '../lib/formats/names.js'
import { listLocalGenerations, readLocalLinks, type LocalState } from './local.js'
import { listHubGenerations, prepareTarget } from './upload.js'

export interface ListedGeneration {
  generation: string
  kind: Kind
  /** In the hub's store (accepted there and not pruned). */
  onHub: boolean
  /** Kept on this host, and in which state; null when not kept here. */
  local: LocalState | null
  /** From the local manifest (`spoke run --label`); null when none or not kept here. */
  label: string | null
}

/** One row per generation seen on either side, oldest first. Pure. */
export function mergeGenerations(hub: readonly string[], local: readonly { generation: string; state: LocalState; label?: string }[]): ListedGeneration[] {
  const rows = new Map<string, ListedGeneration>()
  for (const g of hub) rows.set(g, { generation: g, kind: generationKind(g), onHub: true, local: null, label: null })
  for (const l of local) rows.set(l.generation, { generation: l.generation, kind: generationKind(l.generation), onHub: rows.has(l.generation), local: l.state, label: l.label ?? null })
  return [...rows.values()].sort((a, b) => (a.generation < b.generation ? -1 : 1))
}

export interface ListResult {
  service: string
  generations: ListedGeneration[]
}

/** Lists the hub's and the local generations of the configured service. */
export async function listGenerations(configFile: string): Promise<ListResult> {
  const { config, paths } = await loadSpokeConfig(configFile)
  const target = await prepareTarget(config, paths)
  const [hub, local] = await Promise.all([listHubGenerations(target), listLocalGenerations(paths.generations).then(readLocalLinks)])
  return { service: config.service, generations: mergeGenerations(hub, local) }
}

/** The text table for people. Pure. */
export function renderList(r: ListResult): string {
  if (!r.generations.length) return `${r.service}: no generations on the hub or on this host yet`
  const lines = [`${r.service}: generations (hub = in the hub's store; local = kept on this host)`, `  ${'generation'.padEnd(22)} ${'kind'.padEnd(5)} ${'hub'.padEnd(4)} ${'local'.padEnd(9)} label`]
  for (const g of r.generations) lines.push(`  ${g.generation.padEnd(22)} ${g.kind.padEnd(5)} ${(g.onHub ? 'yes' : '-').padEnd(4)} ${(g.local ?? '-').padEnd(9)} ${g.label ?? '-'}`)
  return lines.join('\n')
}

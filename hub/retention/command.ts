/**
 * `roost hub prune [SERVICE] [--dry-run]`: plans every service's retention (or one's) and,
 * unless it is a dry run, applies it holding the store lock. Prints every keep with its
 * reasons and every removal with its reason, and any alert. `describePrune` is pure.
 */
import type { Output } from '../../lib/cli.js'
import { loadHubConfig, type HubConfig } from '../../lib/config/hub.js'
import { RoostError } from '../../lib/errors.js'
import { assertName } from '../../lib/formats/names.js'
import { readPrivateKey } from '../../lib/sign.js'
import type { Logger } from '../../lib/log.js'
import { withStoreLock } from '../store-lock.js'
import { applyRetention, gatherPlan, type GatheredPlan } from './prune.js'
import type { RetentionAlert } from './plan.js'

export interface PruneRow {
  generation: string
  kind: string
  accepted: string
  label?: string
}

export interface ServicePrune {
  service: string
  keep: Array<PruneRow & { reasons: string[] }>
  remove: Array<PruneRow & { reason: string }>
  alerts: RetentionAlert[]
  /** What was removed (empty on a dry run). */
  removed: string[]
  /** The index serial published after removing, or null. */
  serial: number | null
}

export interface PruneReport {
  dryRun: boolean
  services: ServicePrune[]
}

function rowOf(g: GatheredPlan, generation: string): PruneRow {
  const r = g.records.find(x => x.generation === generation)
  return { generation, kind: r?.kind ?? '?', accepted: r?.accepted ?? '?', ...(r?.label ? { label: r.label } : {}) }
}

/** One service's part of the report. Pure. */
export function servicePrune(service: string, g: GatheredPlan, done: { removed: string[]; serial: number | null }): ServicePrune {
  return {
    service,
    keep: g.plan.keep.map(k => ({ ...rowOf(g, k.generation), reasons: k.reasons })),
    remove: g.plan.remove.map(r => ({ ...rowOf(g, r.generation), reason: r.reason })),
    alerts: g.plan.alerts,
    removed: done.removed,
    serial: done.serial,
  }
}

/** The text a person reads. Pure. */
export function describePrune(r: PruneReport): string {
  const out: string[] = []
  for (const s of r.services) {
    out.push(`${s.service}: keep ${s.keep.length}, remove ${s.remove.length}${r.dryRun ? ' (dry run: nothing changed)' : ''}`)
    const width = Math.max(0, ...[...s.keep, ...s.remove].map(x => x.generation.length))
    const line = (verb: string, x: PruneRow, why: string): string => `  ${verb.padEnd(6)}  ${x.generation.padEnd(width)}  accepted ${x.accepted}${x.label ? `  [${x.label}]` : ''}  ${why}`
    const rows = [...s.keep.map(k => ({ at: k.accepted, text: line('keep', k, k.reasons.join('; ')) })), ...s.remove.map(x => ({ at: x.accepted, text: line('remove', x, x.reason) }))]
    for (const row of rows.sort((a, b) => a.at.localeCompare(b.at))) out.push(row.text)
    for (const a of s.alerts) out.push(`  ALERT   ${a.message}`)
    if (!r.dryRun && s.removed.length) out.push(`  removed ${s.removed.length}; index serial ${s.serial}`)
  }
  return (out.length ? out.join('\n') : 'no services (add one with `roost hub add-service`)') + '\n'
}

function servicesOf(config: HubConfig, service: string | undefined): string[] {
  if (service === undefined) return Object.keys(config.services).sort()
  assertName(service, 'service name')
  if (!Object.hasOwn(config.services, service)) throw new RoostError('SERVICE_UNKNOWN', `service '${service}' is not in hub.yaml`, { hint: 'roost hub status lists the services' })
  return [service]
}

export interface PruneOptions {
  configFile: string
  service?: string | undefined
  dryRun: boolean
  log: Logger
  now: Date
}

/** Plans (and unless `dryRun`, applies) retention. A dry run changes nothing and takes no lock. */
export async function pruneHub(o: PruneOptions): Promise<Output> {
  const { config, paths } = await loadHubConfig(o.configFile)
  const names = servicesOf(config, o.service)
  const services: ServicePrune[] = []
  if (o.dryRun) {
    for (const s of names) services.push(servicePrune(s, await gatherPlan(paths, config, s, o.now), { removed: [], serial: null }))
  } else {
    const indexKey = await readPrivateKey(paths.indexKey)
    await withStoreLock(paths, async () => {
      for (const s of names) {
        const r = await applyRetention({ paths, config, indexKey, log: o.log, now: o.now }, s)
        services.push(servicePrune(s, r, r))
      }
    })
  }
  const report: PruneReport = { dryRun: o.dryRun, services }
  return { json: report, text: describePrune(report) }
}

/**
 * Prometheus text exposition (format 0.0.4) of the hub's state, for `/metrics`. Pure: the
 * state comes from `gatherHubState`, the counters from this process (`hub serve`). Names
 * follow Prometheus conventions (`_bytes`, `_seconds`, `_total`); label values are escaped.
 */
import type { HubState } from './status.js'

/** What `hub serve` counts while it runs (reset when it restarts; Prometheus copes). */
export interface HubCounters {
  accepted: Map<string, number>
  rejected: Map<string, number>
  /** Ingest durations in seconds, per service: count and sum (a summary). */
  ingest: Map<string, { count: number; sum: number }>
}

export function newCounters(): HubCounters {
  return { accepted: new Map(), rejected: new Map(), ingest: new Map() }
}

export function countIngest(c: HubCounters, service: string, ok: boolean, seconds: number): void {
  const m = ok ? c.accepted : c.rejected
  m.set(service, (m.get(service) ?? 0) + 1)
  const s = c.ingest.get(service) ?? { count: 0, sum: 0 }
  c.ingest.set(service, { count: s.count + 1, sum: s.sum + seconds })
}

/** A label value as Prometheus wants it: backslash, double quote and newline escaped. */
export function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

type Sample = [labels: Record<string, string>, value: number]

function family(out: string[], name: string, type: 'gauge' | 'counter' | 'summary', help: string, samples: Sample[], suffix = ''): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  for (const [labels, value] of samples) out.push(sample(name + suffix, labels, value))
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')
  const num = Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'
  return `${name}${l ? `{${l}}` : ''} ${num}`
}

export function renderMetrics(s: HubState, c: HubCounters = newCounters()): string {
  const out: string[] = []
  const svc = (f: (x: HubState['services'][number]) => number | undefined): Sample[] =>
    s.services.flatMap(x => {
      const v = f(x)
      return v === undefined ? [] : [[{ service: x.name }, v] as Sample]
    })
  family(out, 'roost_service_last_success_timestamp_seconds', 'gauge', 'When the newest generation of the service was accepted (Unix time).', svc(x => (x.last ? Date.parse(x.last.accepted) / 1000 : undefined)))
  family(out, 'roost_service_expected_interval_seconds', 'gauge', 'How often the service is expected to deliver.', svc(x => x.everyMs / 1000))
  family(out, 'roost_service_late', 'gauge', '1 when the newest generation is older than the expected interval (or none was ever accepted).', svc(x => (x.late || !x.last ? 1 : 0)))
  family(out, 'roost_service_stored_bytes', 'gauge', 'Bytes the service holds in the store.', svc(x => x.storedBytes))
  family(out, 'roost_service_generations', 'gauge', 'Generations the service holds in the store.', svc(x => x.generations))
  family(out, 'roost_service_last_generation_bytes', 'gauge', 'Stored bytes of the newest generation.', svc(x => x.recent.at(-1)?.bytes))
  family(out, 'roost_service_rejects', 'gauge', 'Rejected arrivals kept in rejected/ for the service.', svc(x => x.rejects))
  family(out, 'roost_service_alerts', 'gauge', 'Open retention alerts of the service.', svc(x => x.alerts.length))
  family(out, 'roost_service_want_full', 'gauge', '1 when the hub asks the service for a full.', svc(x => (x.wantFull ? 1 : 0)))
  const ingest = [...c.ingest].sort(([a], [b]) => a.localeCompare(b))
  family(out, 'roost_ingest_accepted_total', 'counter', 'Arrivals accepted since hub serve started.', [...c.accepted].sort().map(([k, v]) => [{ service: k }, v] as Sample))
  family(out, 'roost_ingest_rejected_total', 'counter', 'Arrivals rejected since hub serve started.', [...c.rejected].sort().map(([k, v]) => [{ service: k }, v] as Sample))
  out.push('# HELP roost_ingest_duration_seconds Time to validate and accept or reject an arrival.', '# TYPE roost_ingest_duration_seconds summary')
  for (const [k, v] of ingest) out.push(sample('roost_ingest_duration_seconds_count', { service: k }, v.count), sample('roost_ingest_duration_seconds_sum', { service: k }, v.sum))
  family(out, 'roost_mirror_serial', 'gauge', 'Index serial the mirror last reported holding.', s.mirrors.flatMap(m => (m.serial === null ? [] : [[{ mirror: m.path.join('/') }, m.serial] as Sample])))
  family(out, 'roost_mirror_lag_seconds', 'gauge', 'How far the mirror is behind the hub.', s.mirrors.flatMap(m => (m.lagMs === null ? [] : [[{ mirror: m.path.join('/') }, m.lagMs / 1000] as Sample])))
  family(out, 'roost_index_serial', 'gauge', 'Serial of the published TREE.json.', s.index ? [[{}, s.index.serial]] : [])
  family(out, 'roost_store_free_bytes', 'gauge', 'Free bytes on the store file system (for the hub user).', [[{}, s.store.freeBytes]])
  family(out, 'roost_store_size_bytes', 'gauge', 'Size of the store file system.', [[{}, s.store.totalBytes]])
  family(out, 'roost_store_used_bytes', 'gauge', 'Bytes held by every service in the store.', [[{}, s.services.reduce((n, x) => n + x.storedBytes, 0)]])
  return out.join('\n') + '\n'
}

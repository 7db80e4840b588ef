import t from 'tap'
import { serviceState, type HubState } from '../../hub/status.js'
import { renderStatusPage, escapeHtml } from '../../hub/status-page.js'
import { countIngest, escapeLabel, newCounters, renderMetrics } from '../../hub/metrics.js'
import { authorized, isLoopback } from '../../hub/http.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'

const NOW = new Date('2026-11-22T06:00:00.000Z')
const HOUR = 3_600_000

function rec(service: string, generation: string, accepted: string, bytes: number): GenerationRecord {
  return { service, generation, kind: 'full', accepted, files: { 'manifest.json': { bytes: 1000, sha256: 'a'.repeat(64) }, 'data.tar.zst': { bytes, sha256: 'b'.repeat(64) } } }
}

function state(): HubState {
  return {
    now: NOW.toISOString(),
    services: [
      serviceState('forum', 24 * HOUR, [rec('forum', '20261121T030000Z-full', '2026-11-21T03:00:00.000Z', 5000), rec('forum', '20261122T030000Z-full', '2026-11-22T03:00:00.000Z', 7000)], [], NOW),
      serviceState('mail', HOUR, [rec('mail', '20261121T030000Z-full', '2026-11-21T03:00:00.000Z', 9000)], [{ folder: 'x', code: 'ARRIVAL_BAD_SIGNATURE', message: 'manifest.json: <script>alert(1)</script> & "quotes"', at: '2026-11-22T05:00:00.000Z' }], NOW),
      serviceState('wiki', HOUR, [], [], NOW),
    ],
    mirrors: [{ name: 'm1', path: ['m1'], serial: 7, lagMs: 90_000, lastContact: '2026-11-22T03:00:00.000Z', behind: false, note: '' }, { name: 'm2', path: ['m2'], serial: null, lagMs: null, lastContact: null, behind: false, note: 'no trace yet' }],
    index: { serial: 9, published: '2026-11-22T03:00:05.000Z' },
    store: { path: '/srv/hub/store', freeBytes: 40 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 },
    verify: { schedule: null, last: {} as HubState['verify']['last'] },
  }
}

t.test('the status page flags late services, escapes what it shows, and shows trend, mirrors and disk', async t => {
  const html = renderStatusPage(state())
  t.match(html, /^<!doctype html>/)
  t.match(html, /<meta name="viewport"/, 'readable on a phone')
  t.match(html, /data-service="mail" data-late="true"/, 'mail is late (its newest is older than its hourly cadence)')
  t.match(html, /data-service="wiki" data-late="true"/, 'a service that never delivered is flagged')
  t.match(html, /data-service="forum" data-late="false"/)
  t.match(html, /id="late-count">2 late</)
  t.notMatch(html, /<script/, 'no markup from a reject message gets through')
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/)
  t.match(html, /ARRIVAL_BAD_SIGNATURE/)
  t.equal((html.match(/<span style="height:/g) ?? []).length, 3, 'one trend bar per recent generation')
  t.match(html, /data-mirror="m1"/)
  t.match(html, /60% used/)
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
})

/** A small parser of the Prometheus text format: name{labels} value, checking HELP/TYPE come first. */
function parseMetrics(text: string): Map<string, Array<{ labels: Record<string, string>; value: number }>> {
  const out = new Map<string, Array<{ labels: Record<string, string>; value: number }>>()
  const typed = new Set<string>()
  for (const line of text.split('\n')) {
    if (!line) continue
    const ty = /^# TYPE (\w+) (gauge|counter|summary)$/.exec(line)
    if (ty) {
      typed.add(ty[1]!)
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`bad metrics line: ${line}`)
    const base = m[1]!.replace(/_(count|sum)$/, '')
    if (!typed.has(m[1]!) && !typed.has(base)) throw new Error(`${m[1]} has no TYPE line`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    const list = out.get(m[1]!) ?? []
    out.set(m[1]!, list)
    list.push({ labels, value: Number(m[3]) })
  }
  return out
}

t.test('metrics: Prometheus text that parses, per service and for the store', async t => {
  const c = newCounters()
  countIngest(c, 'forum', true, 1.5)
  countIngest(c, 'forum', false, 0.5)
  const m = parseMetrics(renderMetrics(state(), c))
  const get = (name: string, label?: string) => m.get(name)?.find(s => !label || Object.values(s.labels).includes(label))?.value
  t.equal(get('roost_service_last_success_timestamp_seconds', 'forum'), Date.parse('2026-11-22T03:00:00.000Z') / 1000)
  t.equal(get('roost_service_late', 'mail'), 1)
  t.equal(get('roost_service_late', 'forum'), 0)
  t.equal(get('roost_service_late', 'wiki'), 1)
  t.equal(m.get('roost_service_last_success_timestamp_seconds')!.length, 2, 'a service that never delivered has no last success')
  t.equal(get('roost_service_stored_bytes', 'forum'), 14000)
  t.equal(get('roost_service_last_generation_bytes', 'forum'), 8000)
  t.equal(get('roost_service_rejects', 'mail'), 1)
  t.equal(get('roost_ingest_accepted_total', 'forum'), 1)
  t.equal(get('roost_ingest_rejected_total', 'forum'), 1)
  t.equal(get('roost_ingest_duration_seconds_count', 'forum'), 2)
  t.equal(get('roost_ingest_duration_seconds_sum', 'forum'), 2)
  t.equal(get('roost_mirror_lag_seconds', 'm1'), 90)
  t.equal(m.get('roost_mirror_lag_seconds')!.length, 1, 'a mirror with no trace has no lag sample')
  t.equal(get('roost_store_free_bytes'), 40 * 1024 ** 3)
  t.equal(get('roost_index_serial'), 9)
  t.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd')
})

t.test('http: loopback addresses and the token check (Bearer, or basic auth with the token as password)', async t => {
  t.ok(isLoopback('127.0.0.1'))
  t.ok(isLoopback('127.1.2.3'))
  t.ok(isLoopback('::1'))
  t.notOk(isLoopback('0.0.0.0'))
  t.notOk(isLoopback('192.168.1.10'))
  const token = 'q'.repeat(32)
  t.ok(authorized(`Bearer ${token}`, token))
  t.ok(authorized(`Basic ${Buffer.from(`anyone:${token}`).toString('base64')}`, token))
  t.notOk(authorized(`Bearer ${token}x`, token))
  t.notOk(authorized(`Basic ${Buffer.from(`${token}`).toString('base64')}`, token), 'basic auth without a colon')
  t.notOk(authorized(undefined, token))
  t.notOk(authorized('Digest abc', token))
})

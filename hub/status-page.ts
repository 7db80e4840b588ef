/**
 * The hub's status page: one plain, server-rendered HTML page (no script, no framework,
 * readable on a phone) of what `roost hub status` shows — every service with its newest
 * generation, age against its cadence (late ones flagged), size trend, rejects with reasons,
 * alerts; every mirror; the index and the store's disk. Every value from the state is
 * HTML-escaped. Pure.
 */
import { formatBytes, formatDuration } from '../lib/config/units.js'
import type { HubState, ServiceState } from './status.js'

export function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
}

const CSS = `
body{font:15px/1.4 system-ui,sans-serif;margin:0;padding:1rem;color:#222;background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.meta{color:#666;font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:.7rem}
.card{background:#fff;border:1px solid #ddd;border-left:.4rem solid #3a3;border-radius:.3rem;padding:.6rem .8rem}
.card.late,.card.bad{border-left-color:#c22}tr.behind td{color:#c22}.card.warn{border-left-color:#d90}
.badge{display:inline-block;font-size:.75rem;font-weight:600;padding:0 .4rem;border-radius:.2rem;background:#3a3;color:#fff}
.late .badge,.bad .badge{background:#c22}.warn .badge{background:#d90}
.trend{display:flex;align-items:flex-end;gap:2px;height:2rem;margin:.3rem 0}
.trend span{flex:1;background:#69c;min-height:1px}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 .6rem;margin:.3rem 0;font-size:.9rem}dt{color:#666}dd{margin:0;overflow-wrap:anywhere}
ul.alerts{margin:.3rem 0;padding-left:1.1rem;color:#a11;font-size:.9rem}
table{border-collapse:collapse;background:#fff;font-size:.9rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
.bar{height:.6rem;background:#eee;border-radius:.3rem;overflow:hidden;max-width:24rem}.bar i{display:block;height:100%;background:#69c}
`

function trend(s: ServiceState): string {
  if (!s.recent.length) return ''
  const max = Math.max(1, ...s.recent.map(r => r.bytes))
  const bars = s.recent.map(r => `<span style="height:${Math.max(3, Math.round((100 * r.bytes) / max))}%" title="${escapeHtml(`${r.generation}: ${formatBytes(r.bytes)}`)}"></span>`).join('')
  return `<div class="trend" aria-label="sizes of the newest generations">${bars}</div>`
}

function card(s: ServiceState): string {
  const problems = [...s.alerts.map(a => `alert: ${a}`), ...(s.verify && !s.verify.ok ? [`store check failed: ${(s.verify.first ?? '').split('\n')[0]}`] : []), ...(s.wantFull ? [`asks for a full (${s.wantFull})`] : [])]
  const state = s.late || !s.last ? 'late' : problems.length || s.rejects ? 'warn' : 'ok'
  const badge = !s.last ? 'NO BACKUP YET' : s.late ? 'LATE' : state === 'warn' ? 'ATTENTION' : 'OK'
  const rows: Array<[string, string]> = [
    ['newest', s.last ? s.last.generation : 'none yet'],
    ['age', s.last ? `${formatDuration(s.last.ageMs)} (expected every ${formatDuration(s.everyMs)})` : `expected every ${formatDuration(s.everyMs)}`],
    ['stored', `${formatBytes(s.storedBytes)} in ${s.generations} generation${s.generations === 1 ? '' : 's'}${s.pinned ? `, ${s.pinned} pinned` : ''}`],
    ['rejects', s.rejects ? `${s.rejects}; last ${s.lastReject ? `${s.lastReject.code} at ${s.lastReject.at}: ${s.lastReject.message}` : ''}` : 'none'],
  ]
  return [
    `<section class="card ${state}" id="service-${escapeHtml(s.name)}" data-service="${escapeHtml(s.name)}" data-late="${s.late || !s.last ? 'true' : 'false'}">`,
    `<h3>${escapeHtml(s.name)} <span class="badge">${badge}</span></h3>`,
    trend(s),
    `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`,
    problems.length ? `<ul class="alerts">${problems.map(p => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : '',
    '</section>',
  ].join('')
}

export function renderStatusPage(s: HubState): string {
  const late = s.services.filter(x => x.late || !x.last).length
  const used = s.store.totalBytes - s.store.freeBytes
  const pct = s.store.totalBytes ? Math.round((100 * used) / s.store.totalBytes) : 0
  const mirrors = s.mirrors.length
    ? `<table><tr><th>mirror</th><th>serial</th><th>lag</th><th>last contact</th></tr>${s.mirrors
        .map(m => `<tr data-mirror="${escapeHtml(m.path.join('/'))}" data-behind="${m.behind}"${m.behind ? ' class="behind"' : ''}><td>${escapeHtml(m.path.join(' → '))}${m.behind ? ' <strong>BEHIND</strong>' : ''}</td><td>${m.serial ?? '-'}</td><td>${escapeHtml(m.lagMs === null ? m.note : formatDuration(m.lagMs) + (m.note ? ` (${m.note})` : ''))}</td><td>${escapeHtml(m.lastContact ?? '-')}</td></tr>`)
        .join('')}</table>`
    : '<p>No mirrors registered.</p>'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="60"><title>roost hub${late ? ` — ${late} late` : ''}</title><style>${CSS}</style></head>
<body><h1>roost hub</h1>
<p class="meta">${escapeHtml(s.now)} · ${s.services.length} service${s.services.length === 1 ? '' : 's'}, <strong id="late-count">${late} late</strong> · ${s.index ? `index serial ${s.index.serial}, published ${escapeHtml(s.index.published)}` : 'index not published yet'}</p>
<h2>Services</h2>
<div class="cards">${s.services.map(card).join('') || '<p>No services yet: add one with <code>roost hub add-service</code>.</p>'}</div>
<h2>Mirrors</h2>
${mirrors}
<h2>Disk</h2>
<p>${escapeHtml(s.store.path)}: ${escapeHtml(formatBytes(s.store.freeBytes))} free of ${escapeHtml(formatBytes(s.store.totalBytes))} (${pct}% used)</p>
<div class="bar" role="img" aria-label="${pct}% used"><i style="width:${pct}%"></i></div>
</body></html>
`
}

/**
 * Load, the light version the suite can afford (scripts/bench/load.ts runs 50): several real
 * `roost spoke run`s at once against one real `hub serve` on 127.0.0.1, while a slow spoke
 * crawls through a larger upload under --bwlimit. What must hold: every run exits 0 with its
 * generation accepted, each stored once and listed by the signed index; the slow spoke is
 * still uploading when the others are done (its account does not hold anyone up) and is
 * accepted too; the hub's peak RSS stays bounded; `roost hub verify` passes. The protections:
 * the ingest queue (one arrival per service at a time, `ingest.parallel` services at once:
 * hub/ingest/watch.ts), the spoke's verdict polling that backs off (spoke/deliver.ts), the
 * front door's connection limits (lib/ssh/).
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost, ROOST } from '../helpers/roost.js'
import { runLoad } from '../../scripts/load-world.js'
import { scratch } from '../attacks/kit.js'

const SPOKES = 8
const dir = await scratch('load')
t.teardown(() => fs.rm(dir, { recursive: true, force: true }))

t.test(`${SPOKES} spokes at once while one crawls: every generation accepted once, the hub's memory bounded`, async t => {
  const r = await runLoad({ roost: ROOST, base: dir, spokes: SPOKES, kib: 64, slowMib: 16, bwlimit: '1M' }) // the slow upload takes 16 s at least; the burst ~10
  t.comment(`burst ${r.burstWallMs} ms; runs ${r.runs.map(x => x.ms).sort((a, b) => a - b).join(', ')} ms; slow ${r.slow.ms} ms; hub RSS idle ${Math.round(r.hubRssIdleKiB / 1024)} MiB, peak ${Math.round(r.hubPeakRssKiB / 1024)} MiB`)
  for (const run of r.runs) t.equal(run.exitCode, 0, `${run.name} exits 0`, { stderr: run.stderr.slice(-1500) })
  t.equal(r.slow.exitCode, 0, 'the slow spoke exits 0 too', { stderr: r.slow.stderr.slice(-1500) })
  t.ok(r.slow.stillUploadingWhenBurstEnded, 'the others were served while the slow one was still uploading')
  for (const [name, gens] of Object.entries(r.stored)) t.equal(gens.length, 1, `${name}: one generation stored and listed`)
  t.equal(Object.keys(r.stored).length, SPOKES + 1, 'every service')
  t.ok(r.hubPeakRssKiB > 0 && r.hubPeakRssKiB < 400 * 1024, `the hub's peak RSS is bounded: ${Math.round(r.hubPeakRssKiB / 1024)} MiB (< 400 MiB)`)
  t.notMatch(r.hubLog, /"level":50/, 'the hub logged no error', { log: r.hubLog.slice(-2000) })
  const v = await roost(['hub', 'verify', '--config', join(dir, 'hub', 'hub.yaml')])
  t.equal(v.exitCode, 0, 'roost hub verify passes', { out: v.stdout.slice(-800) + v.stderr.slice(-800) })
})

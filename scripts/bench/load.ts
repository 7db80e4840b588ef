/**
 * Load: many spokes uploading at once to one hub on loopback (issue 7; scripts/load-world.ts
 * does the work). Prints: spokes, wall time of the burst, each run's exit, generations
 * accepted (from TREE.json), the hub's peak RSS (VmHWM of the hub process) and whether the
 * slow spoke was still uploading when the burst finished. Asserts nothing; not part of the
 * test suite (test/faults/load.test.ts runs a few spokes and asserts).
 *
 *   node dist/scripts/bench/load.js [--spokes 50] [--kib 64] [--slow-mib 24] [--bwlimit 2M] [--parallel N] [--dir DIR]
 */
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { arg, writeResults } from './common.js'
import { runLoad } from '../load-world.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const say = (line: string): void => void process.stdout.write(line + '\n')
const mib = (kib: number): number => Math.round(kib / 1024)

const spokes = Number(arg('--spokes', '50'))
const slowMib = Number(arg('--slow-mib', '24'))
const bwlimit = arg('--bwlimit', '2M')
const base = arg('--dir', '') || (await fs.mkdtemp(join(tmpdir(), 'roost-load-')))
try {
  const parallel = arg('--parallel', '')
  const r = await runLoad({ roost: join(REPO, 'dist', 'roost.js'), base, spokes, kib: Number(arg('--kib', '64')), slowMib, bwlimit, say, ...(parallel ? { parallel: Number(parallel) } : {}) })
  const failed = r.runs.filter(x => x.exitCode !== 0)
  for (const f of failed.slice(0, 5)) say(`${f.name} exited ${f.exitCode}: ${f.stderr.trim().split('\n').slice(-2).join(' | ')}`)
  const accepted = Object.values(r.stored).filter(g => g.length === 1).length
  const perRun = r.runs.map(x => x.ms).sort((a, b) => a - b)
  const summary = {
    spokes,
    ingestParallel: parallel ? Number(parallel) : 'default (2)',
    burstWallMs: r.burstWallMs,
    runMsMedian: perRun[Math.floor(perRun.length / 2)],
    runMsMax: perRun[perRun.length - 1],
    exitedZero: r.runs.length - failed.length,
    accepted: `${accepted}/${spokes + 1}`,
    slow: { mib: slowMib, bwlimit, ms: r.slow.ms, exit: r.slow.exitCode, stillUploadingWhenBurstEnded: r.slow.stillUploadingWhenBurstEnded },
    hubRssIdleMiB: mib(r.hubRssIdleKiB),
    hubRssSampledMaxMiB: mib(r.hubRssSampledMaxKiB),
    hubPeakRssMiB: mib(r.hubPeakRssKiB),
  }
  say(`spokes ${spokes}: burst ${r.burstWallMs} ms (a run: median ${summary.runMsMedian} ms, max ${summary.runMsMax} ms); exited 0: ${summary.exitedZero}; accepted ${summary.accepted}`)
  say(`slow (${slowMib} MiB at ${bwlimit}/s): ${r.slow.ms} ms, exit ${r.slow.exitCode}, still uploading when the burst ended: ${r.slow.stillUploadingWhenBurstEnded}`)
  say(`hub RSS: idle ${summary.hubRssIdleMiB} MiB, sampled max ${summary.hubRssSampledMaxMiB} MiB, peak (VmHWM) ${summary.hubPeakRssMiB} MiB`)
  await writeResults(base, summary, say)
} finally {
  if (!arg('--dir', '')) await fs.rm(base, { recursive: true, force: true })
}

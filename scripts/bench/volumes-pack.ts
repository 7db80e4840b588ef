/**
 * Packing benchmark for disc sets (issue 6): `planVolumes` on a realistic mix of generation
 * sizes, for cd, dvd and bd, against the lower bound ⌈total / usable⌉ and against plain
 * first-fit decreasing over whole generations (the packing the issue names as the floor; a
 * generation larger than a volume fills whole volumes first, then its rest is packed).
 * Mixes (seeded, log-normal):
 *   year   40 services × a year of GFS-retained generations: weekly fulls of 50 MiB–20 GiB
 *          (median 1 GiB, σ 1.5, growing 0–30% over the year), daily incrs of 1–5% of their
 *          full; kept: this week's full and 6 incrs, 4 weekly and 12 monthly fulls.
 *   week   the same services, one week only (what a `--new-only` set holds): 1 full + 6 incrs.
 *   fulls  the year's fulls without its incrs: no small generations to fill gaps (a hard case).
 * Every generation is data.tar.zst plus a ~2 KiB manifest.json. The volume reserve (ISO
 * metadata, catalog, README) is `--reserve-mib`, parity `--parity-pct` of the data.
 * Per row: generations, volumes used vs the bound, fill of the volumes but the last (min,
 * median, how many under 97%), the last's fill, generations on more volumes than their size
 * needs ("split"), pieces, time to plan; volumes and least fill for plain FFD.
 * Goal (issue 6): at most one volume above the bound, ≥ 97% fill on all but the last.
 * Then the worst figures over `--seeds` seeds, without and with one spare volume (planVolumes'
 * spareVolumes: one volume above the bound, used only if it splits fewer generations).
 * `--min-fill` is planVolumes' minFill (default: its own choice), `--spare` the spare volumes
 * of the first table. Prints figures; asserts nothing. Pure CPU, no files.
 *
 *   node dist/scripts/bench/volumes-pack.js [--seed 42] [--seeds 20] [--services 40] [--reserve-mib 8] [--parity-pct 0] [--min-fill 0..1] [--spare 0]
 */
import { formatBytes } from '../../lib/config/units.js'
import { MEDIA, SECTOR_BYTES, type MediaName } from '../../lib/volumes/media.js'
import { planVolumes, lowerBound, DEFAULT_MAX_PIECE, type PlanFile, type VolumePlan } from '../../lib/volumes/plan.js'
import { arg, timed } from './common.js'
import { planSet } from '../../lib/volumes/set-plan.js'
import { README_PER_DISC } from '../../lib/volumes/readme.js'

const MiB = 1024 ** 2
const GiB = 1024 ** 3
const MEDIA_RUN: MediaName[] = ['cd', 'dvd', 'bd']
const MIXES = ['year', 'week', 'fulls'] as const
type Mix = (typeof MIXES)[number]

/** mulberry32: a small seeded PRNG, so every run plans the same mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

const hex = (n: number): string => n.toString(16).padStart(64, '0')
const stamp = (day: number, kind: string): string => {
  const d = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000)
  return `${d.toISOString().slice(0, 10).replace(/-/g, '')}T030000Z-${kind}`
}

/** The days (0 = a year ago, 364 = today) whose generations GFS retention keeps, and their kinds. */
function retainedDays(mix: Mix): Array<{ day: number; kind: 'full' | 'incr' }> {
  const out = new Map<number, 'full' | 'incr'>()
  const lastFull = 358 // fulls every 7th day (358 mod 7 = 1), incrs on the others
  for (let d = lastFull; d <= 364; d++) out.set(d, d === lastFull ? 'full' : 'incr')
  if (mix === 'year') {
    for (let w = 1; w <= 4; w++) out.set(lastFull - 7 * w, 'full')
    for (let m = 0; m < 12; m++) out.set(Math.ceil((m * 30.4 - 1) / 7) * 7 + 1, 'full') // the first full of each month
  }
  return [...out.entries()].map(([day, kind]) => ({ day, kind })).sort((a, b) => a.day - b.day)
}

function makeMix(mix: Mix, seed: number, services: number): PlanFile[] {
  const rand = prng(seed)
  const files: PlanFile[] = []
  let id = 0
  for (let s = 0; s < services; s++) {
    const service = `svc-${String(s).padStart(2, '0')}`
    const base = Math.min(20 * GiB, Math.max(50 * MiB, GiB * Math.exp(1.5 * normal(rand))))
    const growth = 0.3 * rand()
    let full = base
    for (const { day, kind } of retainedDays(mix === 'fulls' ? 'year' : mix)) {
      if (kind === 'full') full = base * (1 + (growth * day) / 365) * (0.97 + 0.06 * rand())
      const bytes = Math.round(kind === 'full' ? full : full * (0.01 + 0.04 * rand()))
      const generation = stamp(day, kind)
      const manifest = 1800 + Math.floor(500 * rand())
      if (mix === 'fulls' && kind === 'incr') continue // the same fulls as 'year'
      files.push({ service, generation, name: 'data.tar.zst', bytes, sha256: hex(++id) })
      files.push({ service, generation, name: 'manifest.json', bytes: manifest, sha256: hex(++id) })
    }
  }
  return files
}

/**
 * Plain first-fit decreasing over generations, opening a volume whenever none fits; a
 * generation larger than a volume first fills whole volumes, its rest packed like the others.
 */
function plainFfd(files: readonly PlanFile[], usable: number): number[] {
  const fp = (b: number): number => Math.ceil(b / SECTOR_BYTES) * SECTOR_BYTES
  const gens = new Map<string, number>()
  for (const f of files) gens.set(`${f.service}/${f.generation}`, (gens.get(`${f.service}/${f.generation}`) ?? 0) + fp(f.bytes))
  const whole: number[] = []
  const items: number[] = []
  for (let size of gens.values()) {
    for (; size > usable; size -= usable) whole.push(usable)
    items.push(size)
  }
  const used: number[] = []
  for (const size of items.sort((a, b) => b - a)) {
    const i = used.findIndex(u => u + size <= usable)
    if (i >= 0) used[i]! += size
    else used.push(size)
  }
  return [...whole, ...used]
}

interface Row {
  mix: Mix
  media: MediaName
  files: number
  gens: number
  total: number
  usable: number
  bound: number
  discs: number
  minFill: number
  medianFill: number
  lastFill: number
  under: number
  split: number
  pieces: number
  ms: number
  ffdDiscs: number
  ffdMinFill: number
}

function fills(used: number[], usable: number): { min: number; median: number; last: number; under: number } {
  const f = used.map(u => u / usable)
  const head = f.slice(0, -1).sort((a, b) => a - b)
  const under = head.filter(x => x < 0.97).length
  return { min: head.length ? head[0]! : NaN, median: head.length ? head[Math.floor(head.length / 2)]! : NaN, last: f[f.length - 1] ?? NaN, under }
}

/** Generations on more volumes than their size needs (⌈size / usable⌉, at least 1). */
function splits(plan: VolumePlan): number {
  const gens = new Map<string, { volumes: Set<number>; bytes: number }>()
  for (const v of plan.volumes) {
    for (const p of v.pieces) {
      const key = `${p.service}/${p.generation}`
      const g = gens.get(key) ?? { volumes: new Set<number>(), bytes: 0 }
      gens.set(key, g)
      g.volumes.add(v.number)
      g.bytes += Math.ceil(p.bytes / plan.blockSize) * plan.blockSize
    }
  }
  let split = 0
  for (const g of gens.values()) if (g.volumes.size > Math.max(1, Math.ceil(g.bytes / plan.usable))) split++
  return split
}

async function measure(mix: Mix, media: MediaName, seed: number, services: number, reserve: number, parity: number, minFill: number | undefined, spareVolumes: number): Promise<Row> {
  const files = makeMix(mix, seed, services)
  const usable = Math.floor((MEDIA[media] - reserve) / (1 + parity) / SECTOR_BYTES) * SECTOR_BYTES
  const { ms, value: plan } = await timed(async () => planVolumes({ files, usable, maxPiece: DEFAULT_MAX_PIECE, minFill, spareVolumes }))
  const f = fills(plan.volumes.map(v => v.used), usable)
  const ffd = plainFfd(files, usable)
  const ff = fills(ffd, usable)
  return {
    mix, media, files: files.length, gens: new Set(files.map(f => `${f.service}/${f.generation}`)).size, total: plan.total, usable, bound: lowerBound(plan.total, usable), discs: plan.volumes.length,
    minFill: f.min, medianFill: f.median, lastFill: f.last, under: f.under, split: splits(plan),
    pieces: plan.volumes.reduce((n, v) => n + v.pieces.length, 0), ms, ffdDiscs: ffd.length, ffdMinFill: ff.min,
  }
}

const goal = (r: Row): boolean => r.discs <= r.bound + 1 && !(r.minFill < 0.97)
const pct = (x: number): string => (Number.isNaN(x) ? '—' : `${(100 * x).toFixed(2)}%`)

async function main(): Promise<void> {
  const seed = Number(arg('--seed', '42'))
  const seeds = Number(arg('--seeds', '20'))
  const services = Number(arg('--services', '40'))
  const reserve = Number(arg('--reserve-mib', '8')) * MiB
  const parity = Number(arg('--parity-pct', '0')) / 100
  const fillArg = arg('--min-fill', 'auto')
  const minFill = fillArg === 'auto' ? undefined : Number(fillArg)
  const spare = Number(arg('--spare', '0'))
  const say = (s: string): void => void process.stdout.write(s + '\n')
  say(`roost volumes packing benchmark — ${services} services, seed ${seed}, reserve ${formatBytes(reserve)} per volume, parity ${(parity * 100).toFixed(1)}%, min fill ${fillArg}, spare volumes ${spare}`)
  say('')
  const head = ['mix', 'media', 'gens', 'total', 'bound', 'discs', 'fill min', 'fill median', '<97%', 'last', 'split gens', 'pieces', 'plan ms', 'goal', 'plain FFD discs', 'FFD fill min']
  const rows: string[][] = []
  for (const mix of MIXES) {
    for (const media of MEDIA_RUN) {
      const r = await measure(mix, media, seed, services, reserve, parity, minFill, spare)
      rows.push([mix, media, String(r.gens), formatBytes(r.total), String(r.bound), String(r.discs), pct(r.minFill), pct(r.medianFill), String(r.under), pct(r.lastFill), String(r.split), String(r.pieces), String(r.ms), goal(r) ? 'met' : 'missed', `${r.ffdDiscs} (+${r.ffdDiscs - r.bound})`, pct(r.ffdMinFill)])
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  say(line(head))
  for (const r of rows) say(line(r))

  await withParity(seed, services, say)
  if (seeds > 0) for (const spareVolumes of [0, 1]) await summary({ seeds, services, reserve, parity, minFill, spareVolumes }, say)
}

/**
 * Whole sets as `roost mirror volumes` plans them (planSet): pieces, the per-disc files and
 * par2 parity that rebuilds any one lost disc. Parity costs one disc's worth of data, so the
 * least a set can use is ⌈data / capacity⌉ + 1; image fill is the planner's bound on each image
 * (the written image is a little smaller).
 */
async function withParity(seed: number, services: number, say: (s: string) => void): Promise<void> {
  say('')
  say('whole sets with parity that survives the loss of one disc (planSet: data, per-disc files, par2):')
  const head = ['mix', 'media', 'data', 'bound', 'discs', 'above bound+1', 'image fill min', '<97%', 'last', 'redundancy', 'plan ms']
  const rows: string[][] = []
  for (const mix of MIXES) {
    for (const media of MEDIA_RUN) {
      const files = makeMix(mix, seed, services)
      const data = files.reduce((n, f) => n + f.bytes, 0)
      const capacity = MEDIA[media]
      const { ms, value: sp } = await timed(async () => planSet({ files, capacity, treeBytes: 2 * MiB, readmeBytes: 64 * 1024, readmePerDisc: README_PER_DISC }))
      const fill = sp.imageBytes.map(b => b / capacity)
      const body = fill.slice(0, -1)
      const bound = Math.ceil(data / capacity)
      rows.push([mix, media, formatBytes(data), String(bound), String(fill.length), String(fill.length - bound - 1), body.length ? pct(Math.min(...body)) : '-', String(body.filter(f => f < 0.97).length), pct(fill[fill.length - 1]!), `${sp.parity.redundancyPercent.toFixed(1)}%`, String(ms)])
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  say(line(head))
  for (const r of rows) say(line(r))
}

/** The worst figures over seeds 1..N for each mix and media. */
async function summary(o: { seeds: number; services: number; reserve: number; parity: number; minFill: number | undefined; spareVolumes: number }, say: (s: string) => void): Promise<void> {
  say('')
  say(`over seeds 1..${o.seeds}, ${o.spareVolumes} spare volume${o.spareVolumes === 1 ? '' : 's'} (worst case per mix and media; split gens: worst seed, then all seeds):`)
  for (const mix of MIXES) {
    for (const media of MEDIA_RUN) {
      const rs: Row[] = []
      for (let s = 1; s <= o.seeds; s++) rs.push(await measure(mix, media, s, o.services, o.reserve, o.parity, o.minFill, o.spareVolumes))
      const max = (f: (r: Row) => number): number => Math.max(...rs.map(f))
      const sum = (f: (r: Row) => number): number => rs.reduce((n, r) => n + f(r), 0)
      const worstFill = Math.min(...rs.map(r => (Number.isNaN(r.minFill) ? 1 : r.minFill)))
      say(
        `  ${mix.padEnd(5)} ${media.padEnd(3)}  goal met ${rs.filter(goal).length}/${o.seeds}  discs above bound ≤ ${max(r => r.discs - r.bound)}` +
          `  fill min ≥ ${pct(worstFill)}  volumes <97% ≤ ${max(r => r.under)}  split gens ≤ ${max(r => r.split)}, ${sum(r => r.split)} of ${sum(r => r.gens)}` +
          `  plan ≤ ${max(r => r.ms)} ms   (plain FFD: ≤ +${max(r => r.ffdDiscs - r.bound)} discs)`,
      )
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})

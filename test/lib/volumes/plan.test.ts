/**
 * Tests lib/volumes/plan.ts and, in its first part, lib/volumes/media.ts (capacities, --media,
 * set ids, labels; a label is checked with a real xorriso).
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { run } from '../../../lib/proc/run.js'
import {
  MEDIA, SECTOR_BYTES, MAX_VOLUMES, VOLUME_LABEL_RE, parseMedia, resolveMedia, isoWeek, setIdFor, nextSetId, volumeLabel, parseVolumeLabel,
} from '../../../lib/volumes/media.js'
import { planVolumes, lowerBound, volumeFill, DEFAULT_MAX_PIECE, type PlanFile, type PlanInput, type VolumePlan, type Piece } from '../../../lib/volumes/plan.js'

const S = SECTOR_BYTES

// ---- media ----------------------------------------------------------------------------------

t.test('media capacities are exact whole sectors, dvd the smaller of DVD±R', async t => {
  t.same(MEDIA, { cd: 360_000 * S, dvd: 2_295_104 * S, 'dvd-dl': 4_173_824 * S, bd: 12_219_392 * S, 'bd-dl': 24_438_784 * S })
  t.equal(parseMedia('dvd'), 4_700_372_992)
  t.ok(parseMedia('dvd') < 4_707_319_808, 'fits DVD-R too')
  t.same(resolveMedia(' BD-DL '), { media: 'bd-dl', capacity: 50_050_629_632 })
  t.equal(parseMedia('cd'), 737_280_000)
  t.same(resolveMedia('123455488'), { media: 'bytes', capacity: 123_455_488 })
  t.equal(parseMedia('700M'), 700 * 1024 * 1024, 'binary units, as everywhere in roost')
  t.equal(parseMedia('1048576'), 1024 * 1024, 'the smallest accepted')
})

t.test('--media refuses what is not a medium or a whole number of sectors of at least 1 MiB', async t => {
  const cases: Array<[string, RegExp]> = [
    ['4.7G', /5046586573 bytes, not a whole number of 2048-byte sectors/],
    ['123456789', /not a whole number of 2048-byte sectors/],
    ['1046528', /smaller than the 1048576 bytes/],
    ['floppy', /neither a medium nor a size/],
    ['', /neither a medium nor a size/],
    ['-2048', /neither a medium nor a size/],
    ['dvd+r', /neither a medium nor a size/],
  ]
  for (const [text, message] of cases) t.throws(() => parseMedia(text), { code: 'USAGE', message }, JSON.stringify(text))
  try {
    parseMedia('4.7G')
  } catch (err) {
    t.match((err as { hint: string }).hint, /such as 5046585344.*--media dvd, 4700372992 bytes/, 'the hint names a fitting size and the DVD')
  }
})

t.test('set ids are the ISO week, with a letter for a later set in the same week', async t => {
  t.same(isoWeek(new Date('2026-11-22T23:59:59Z')), { year: 2026, week: 47 })
  t.equal(setIdFor(new Date('2026-11-16T00:00:00Z')), '2026W47', 'Monday starts the week')
  t.equal(setIdFor(new Date('2026-11-15T23:59:59Z')), '2026W46')
  t.equal(setIdFor(new Date('2027-01-01T12:00:00Z')), '2026W53', 'early January can belong to the last year')
  t.equal(setIdFor(new Date('2024-12-30T00:00:00Z')), '2025W01', 'late December can belong to the next year')
  t.equal(setIdFor(new Date('2021-01-03T00:00:00Z')), '2020W53')
  t.equal(setIdFor(new Date('2026-11-22T00:00:00Z'), 'B'), '2026W47B')
  t.throws(() => setIdFor(new Date('2026-11-22T00:00:00Z'), 'A'), { code: 'USAGE' }, 'the first set has no letter')
  t.throws(() => setIdFor(new Date('2026-11-22T00:00:00Z'), 'b'), { code: 'USAGE' })
  const at = new Date('2026-11-22T00:00:00Z')
  t.equal(nextSetId(at, []), '2026W47')
  t.equal(nextSetId(at, ['2026W47', '2026W46']), '2026W47B')
  t.equal(nextSetId(at, ['2026W47', '2026W47B']), '2026W47C')
  const all = ['2026W47', ...'BCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => (i === 0 ? c : `2026W47${c}`))
  t.throws(() => nextSetId(at, all), { code: 'USAGE' })
})

t.test('volume labels say set, number and count in at most 32 ISO 9660 d-characters', async t => {
  t.equal(volumeLabel('2026W47', 3, 7), 'ROOST_2026W47_03OF07')
  t.equal(volumeLabel('2026W47B', 3, 120), 'ROOST_2026W47B_003OF120')
  const longest = volumeLabel('2026W47Z', MAX_VOLUMES, MAX_VOLUMES)
  t.ok(longest.length <= 32, `${longest} is ${longest.length} characters`)
  t.match(longest, /^[A-Z0-9_]+$/)
  t.match(longest, VOLUME_LABEL_RE)
  t.throws(() => volumeLabel('2026W47', 1, MAX_VOLUMES + 1), { code: 'USAGE' })
  t.throws(() => volumeLabel('2026W47', 8, 7))
  t.throws(() => volumeLabel('2026-W47', 1, 7))
  t.same(parseVolumeLabel('ROOST_2026W47_03OF07'), { setId: '2026W47', n: 3, count: 7 })
  t.same(parseVolumeLabel('ROOST_2026W47B_003OF120'), { setId: '2026W47B', n: 3, count: 120 })
  for (const bad of ['ROOST_2026W47_08OF07', 'ROOST_2026W47_3OF07', 'ROOST_2026W47_003OF07', 'ROOST-2026W47-03OF07', 'ROOST_2026W54_01OF01', 'ROOST_2026W47_00OF07']) {
    t.equal(parseVolumeLabel(bad), undefined, bad)
  }
})

t.test('xorriso takes a label as the volume id without a compliance warning and reads it back', async t => {
  const dir = t.testdir({ tree: { 'a.txt': 'a' } })
  const iso = join(dir, 'v.iso')
  const label = volumeLabel('2026W47B', 3, 120)
  const made = await run(['xorriso', '-outdev', iso, '-volid', label, '-padding', '0', '-map', join(dir, 'tree'), '/'], { what: 'xorriso' })
  t.notMatch(made.stderr, /does not comply|WARNING/, 'no warning about the volume id')
  t.ok((await fs.stat(iso)).size % S === 0)
  const info = await run(['xorriso', '-indev', iso, '-pvd_info'], { what: 'xorriso -pvd_info' })
  t.match(info.stdout + info.stderr, new RegExp(`Volume [Ii]d\\s*:\\s*'?${label}'?`))
})

// ---- plan -----------------------------------------------------------------------------------

const GEN = (day: number, kind = 'full'): string => `202611${String(day).padStart(2, '0')}T030000Z-${kind}`
const file = (service: string, generation: string, name: string, bytes: number): PlanFile => ({ service, generation, name, bytes, sha256: '0'.repeat(64) })
const fp = (bytes: number, block = S): number => Math.ceil(bytes / block) * block

/** Checks every promise of the plan's contract; returns the volumes each generation is on. */
function checkPlan(t: Test, input: PlanInput, plan: VolumePlan): Map<string, Set<number>> {
  const { problems, gens } = contractProblems(input, plan)
  t.same(problems, [], 'the plan keeps its contract')
  return gens
}

function contractProblems(input: PlanInput, plan: VolumePlan): { problems: string[]; gens: Map<string, Set<number>> } {
  const block = input.blockSize ?? S
  const maxPiece = Math.floor((input.maxPiece ?? DEFAULT_MAX_PIECE) / block) * block
  const usable = Math.floor(input.usable / block) * block
  const problems: string[] = []
  const total = input.files.reduce((s, f) => s + fp(f.bytes, block), 0)
  const bound = input.files.length ? Math.max(1, lowerBound(total, usable)) : 0
  if (plan.total !== total) problems.push(`total ${plan.total} != ${total}`)
  if (plan.lowerBound !== bound) problems.push(`lowerBound ${plan.lowerBound} != ${bound}`)
  const spare = input.files.length ? (input.spareVolumes ?? 0) : 0
  if (plan.volumes.length < bound || plan.volumes.length > bound + spare) problems.push(`${plan.volumes.length} volumes for a bound of ${bound} and ${spare} spare`)
  const pieces = new Map<string, Array<Piece & { volume: number }>>()
  const gens = new Map<string, Set<number>>()
  plan.volumes.forEach((v, i) => {
    if (v.number !== i + 1) problems.push(`volume ${i + 1} is numbered ${v.number}`)
    const used = v.pieces.reduce((s, p) => s + fp(p.bytes, block), 0)
    if (used !== v.used || used > usable) problems.push(`volume ${v.number}: used ${v.used}, sectors ${used}, usable ${usable}`)
    if (v.bytes !== v.pieces.reduce((s, p) => s + p.bytes, 0)) problems.push(`volume ${v.number}: bytes`)
    if (v.fill !== volumeFill(used, usable)) problems.push(`volume ${v.number}: fill`)
    if (v.pieces.length === 0) problems.push(`volume ${v.number} is empty`)
    for (const p of v.pieces) {
      if (p.bytes > maxPiece) problems.push(`piece of ${p.name} has ${p.bytes} > ${maxPiece}`)
      const key = `${p.service}/${p.generation}/${p.name}`
      pieces.set(key, [...(pieces.get(key) ?? []), { ...p, volume: v.number }])
      const g = `${p.service}/${p.generation}`
      gens.set(g, (gens.get(g) ?? new Set()).add(v.number))
    }
  })
  for (const f of input.files) {
    const key = `${f.service}/${f.generation}/${f.name}`
    const list = (pieces.get(key) ?? []).sort((a, b) => a.pieceIndex - b.pieceIndex)
    pieces.delete(key)
    let offset = 0
    list.forEach((p, k) => {
      if (k > 0 && p.volume < list[k - 1]!.volume) problems.push(`${key}: piece ${p.pieceIndex} on volume ${p.volume}, before the volume of piece ${k}`)
      if (p.pieceIndex !== k + 1 || p.pieceCount !== list.length) problems.push(`${key}: piece ${p.pieceIndex}/${p.pieceCount} at position ${k + 1} of ${list.length}`)
      if (p.offset !== offset) problems.push(`${key}: piece ${p.pieceIndex} at ${p.offset}, expected ${offset}`)
      if (k < list.length - 1 && p.bytes % block !== 0) problems.push(`${key}: piece ${p.pieceIndex} is not whole blocks`)
      offset += p.bytes
    })
    if (!list.length || offset !== f.bytes) problems.push(`${key}: pieces cover ${offset} of ${f.bytes} bytes`)
  }
  for (const key of pieces.keys()) problems.push(`${key}: a piece of no input file`)
  for (const [g, vols] of gens) {
    const size = input.files.filter(f => `${f.service}/${f.generation}` === g).reduce((s, f) => s + fp(f.bytes, block), 0)
    const need = Math.max(1, Math.ceil(size / usable))
    if (vols.size > need + 1) problems.push(`${g} spans ${vols.size} volumes, its size needs ${need}`)
    const sorted = [...vols].sort((a, b) => a - b)
    if (sorted[sorted.length - 1]! - sorted[0]! !== sorted.length - 1) problems.push(`${g} is on volumes ${sorted.join(',')}, not consecutive`)
  }
  return { problems, gens }
}

t.test('the contract check catches a broken plan (it is not vacuous)', async t => {
  const files = [file('a', GEN(1), 'data', 25 * S), file('b', GEN(1), 'data', 3 * S)]
  const input = { files, usable: 10 * S }
  const clone = (): VolumePlan => structuredClone(planVolumes(input))
  t.same(contractProblems(input, clone()).problems, [])
  const dropped = clone()
  dropped.volumes[1]!.pieces.shift()
  dropped.volumes[1]!.used -= 10 * S
  dropped.volumes[1]!.bytes -= 10 * S
  dropped.volumes[1]!.fill = volumeFill(dropped.volumes[1]!.used, 10 * S)
  t.match(contractProblems(input, dropped).problems.join('\n'), /piece 3\/3 at position 2 of 2/)
  const shifted = clone()
  shifted.volumes[0]!.pieces[0]!.offset += 1
  t.match(contractProblems(input, shifted).problems.join('\n'), /piece 1 at 1, expected 0/)
  const over = clone()
  over.volumes[0]!.pieces.push({ ...over.volumes[2]!.pieces[0]! })
  t.ok(contractProblems(input, over).problems.length > 0)
})

t.test('lowerBound is ⌈total / usable⌉; fill is used over usable', async t => {
  t.equal(lowerBound(0, 10), 0)
  t.equal(lowerBound(1, 10), 1)
  t.equal(lowerBound(10, 10), 1)
  t.equal(lowerBound(11, 10), 2)
  t.equal(volumeFill(5, 10), 0.5)
  t.throws(() => lowerBound(1, 0))
})

t.test('plans a small set (golden): largest generations first, each kept on one volume', async t => {
  const files = [
    file('wiki', GEN(22), 'data.tar.zst', 6 * S),
    file('wiki', GEN(22), 'manifest.json', 2000),
    file('forum', GEN(21), 'data.tar.zst', 4 * S - 100),
    file('forum', GEN(21), 'manifest.json', 1900),
    file('forum', GEN(22, 'incr'), 'data.tar.zst', 2 * S),
    file('forum', GEN(22, 'incr'), 'manifest.json', 1800),
  ]
  const input = { files, usable: 10 * S }
  const plan = planVolumes(input)
  checkPlan(t, input, plan)
  const row = (p: Piece): string => `${p.service}/${p.generation}/${p.name} @${p.offset}+${p.bytes} ${p.pieceIndex}/${p.pieceCount}`
  t.same(
    plan.volumes.map(v => ({ number: v.number, used: v.used / S, pieces: v.pieces.map(row) })),
    [
      { number: 1, used: 10, pieces: [`forum/${GEN(22, 'incr')}/data.tar.zst @0+4096 1/1`, `forum/${GEN(22, 'incr')}/manifest.json @0+1800 1/1`, `wiki/${GEN(22)}/data.tar.zst @0+12288 1/1`, `wiki/${GEN(22)}/manifest.json @0+2000 1/1`] },
      { number: 2, used: 5, pieces: [`forum/${GEN(21)}/data.tar.zst @0+8092 1/1`, `forum/${GEN(21)}/manifest.json @0+1900 1/1`] },
    ],
  )
  t.same([plan.total, plan.lowerBound, plan.usable, plan.blockSize, plan.maxPiece], [15 * S, 2, 10 * S, S, DEFAULT_MAX_PIECE])
  t.equal(plan.volumes[0]!.fill, 1)
})

t.test('keeps each generation on one volume where file-by-file first-fit would split it', async t => {
  // Files alone, largest first (60 50 30 20 10 10), would put gen 1's 60 and 20 on different volumes.
  const files = [
    file('a', GEN(1), 'data.tar.zst', 60 * S), file('a', GEN(1), 'manifest.json', 20 * S),
    file('b', GEN(2), 'data.tar.zst', 50 * S), file('b', GEN(2), 'manifest.json', 10 * S),
    file('c', GEN(3), 'data.tar.zst', 30 * S), file('c', GEN(3), 'manifest.json', 10 * S),
  ]
  const input = { files, usable: 100 * S }
  const gens = checkPlan(t, input, planVolumes(input))
  t.equal(gens.size, 3)
  for (const [g, vols] of gens) t.equal(vols.size, 1, `${g} on one volume`)
})

t.test('splits only when the bound needs it: six generations of 34% fill three volumes whole', async t => {
  const files = Array.from({ length: 6 }, (_, i) => file('svc', GEN(i + 1), 'data.tar.zst', 34 * S))
  const input = { files, usable: 100 * S }
  const auto = planVolumes(input)
  const gens = checkPlan(t, input, auto)
  t.same([...gens.values()].map(v => v.size), [1, 1, 1, 1, 1, 1], 'no generation split')
  t.same(auto.volumes.map(v => v.used / S), [68, 68, 68])
  const full = planVolumes({ ...input, minFill: 1 })
  checkPlan(t, input, full)
  t.same(full.volumes.map(v => v.used / S), [100, 100, 4], 'minFill 1 fills every volume but the last, splitting')
})

t.test('a spare volume is used only when it keeps more generations whole', async t => {
  const three = { files: [6, 6, 6].map((n, i) => file('s', GEN(i + 1), 'data', n * S)), usable: 10 * S }
  const tight = planVolumes(three)
  const gens = checkPlan(t, three, tight)
  t.same(tight.volumes.map(v => v.used / S), [10, 8], 'at the bound, one generation is split')
  t.equal([...gens.values()].filter(v => v.size > 1).length, 1)
  const spare = planVolumes({ ...three, spareVolumes: 1 })
  const spareGens = checkPlan(t, { ...three, spareVolumes: 1 }, spare)
  t.same(spare.volumes.map(v => v.used / S), [6, 6, 6], 'one more volume keeps every generation whole')
  t.equal(spare.lowerBound, 2)
  t.ok([...spareGens.values()].every(v => v.size === 1))
  const two = { files: [5, 5].map((n, i) => file('s', GEN(i + 1), 'data', n * S)), usable: 10 * S, spareVolumes: 1 }
  t.equal(planVolumes(two).volumes.length, 1, 'not used when nothing would be split anyway')
})

t.test('a file larger than a volume is split across consecutive volumes, in offset order', async t => {
  const files = [file('big', GEN(1), 'data.tar.zst', 25 * S + 7), file('big', GEN(1), 'manifest.json', 1000), file('small', GEN(2), 'data.tar.zst', 4 * S)]
  const input = { files, usable: 10 * S }
  const plan = planVolumes(input)
  const gens = checkPlan(t, input, plan)
  t.equal(plan.volumes.length, 4, '26 + 1 + 4 sectors on volumes of 10')
  const data = plan.volumes.flatMap(v => v.pieces.filter(p => p.service === 'big' && p.name === 'data.tar.zst').map(p => [v.number, p.offset, p.bytes, p.pieceIndex, p.pieceCount]))
  t.same(data, [[1, 0, 10 * S, 1, 3], [2, 10 * S, 10 * S, 2, 3], [3, 20 * S, 5 * S + 7, 3, 3]])
  t.same([...gens.get(`big/${GEN(1)}`)!], [1, 2, 3], 'as few volumes as its 27 sectors need')
  t.same([...gens.get(`small/${GEN(2)}`)!], [4], 'the small generation is not split to fill volume 3')
})

t.test('no piece exceeds maxPiece: a large file on a large volume is cut there', async t => {
  const files = [file('db', GEN(1), 'data.tar.zst', 5 * S + 1), file('db', GEN(1), 'manifest.json', 10)]
  const input = { files, usable: 100 * S, maxPiece: 2 * S + 5 }
  const plan = planVolumes(input)
  checkPlan(t, input, plan)
  t.equal(plan.maxPiece, 2 * S, 'rounded down to whole sectors')
  t.same(plan.volumes[0]!.pieces.map(p => [p.name, p.offset, p.bytes, p.pieceIndex, p.pieceCount]), [
    ['data.tar.zst', 0, 2 * S, 1, 3], ['data.tar.zst', 2 * S, 2 * S, 2, 3], ['data.tar.zst', 4 * S, S + 1, 3, 3], ['manifest.json', 0, 10, 1, 1],
  ])
  t.equal(DEFAULT_MAX_PIECE, 4 * 1024 ** 3 - 1024 ** 2)
  t.ok(DEFAULT_MAX_PIECE % S === 0 && DEFAULT_MAX_PIECE < 4 * 1024 ** 3, 'every file on a disc stays under 4 GiB')
})

t.test('every piece occupies whole sectors: five one-byte files need two volumes of four sectors', async t => {
  const files = Array.from({ length: 5 }, (_, i) => file('s', GEN(1), `f${i}`, 1))
  const input = { files, usable: 4 * S + 100 }
  const plan = planVolumes(input)
  checkPlan(t, input, plan)
  t.same(plan.volumes.map(v => v.pieces.length), [4, 1])
  t.equal(plan.usable, 4 * S, 'usable rounded down to whole sectors')
})

t.test('empty input plans no volume; zero-byte files still get a piece on one volume', async t => {
  t.same(planVolumes({ files: [], usable: 10 * S }).volumes, [])
  t.equal(planVolumes({ files: [], usable: 10 * S }).lowerBound, 0)
  const empty = { files: [file('s', GEN(1), 'empty', 0)], usable: 10 * S }
  const plan = planVolumes(empty)
  checkPlan(t, empty, plan)
  t.same(plan.volumes.map(v => [v.used, v.pieces.map(p => [p.bytes, p.offset, p.pieceIndex, p.pieceCount])]), [[0, [[0, 0, 1, 1]]]])
  const mixed = { files: [file('s', GEN(1), 'empty', 0), file('s', GEN(1), 'data', 10 * S), file('t', GEN(1), 'data', 3 * S)], usable: 10 * S }
  checkPlan(t, mixed, planVolumes(mixed))
})

t.test('the same files give the same plan, whatever their order', async t => {
  const rand = prng(7)
  const files = Array.from({ length: 60 }, (_, i) => file(`s${i % 7}`, GEN(1 + (i % 13)), `f${i}`, Math.floor(rand() * 30 * S)))
  const input = { files, usable: 25 * S }
  const plan = planVolumes(input)
  checkPlan(t, input, plan)
  for (let k = 0; k < 5; k++) {
    const shuffled = [...files].sort(() => rand() - 0.5)
    t.same(planVolumes({ files: shuffled, usable: 25 * S }), plan, `shuffle ${k}`)
  }
})

t.test('refuses a volume with no room for a sector, and a file listed twice', async t => {
  t.throws(() => planVolumes({ files: [], usable: S - 1 }), { code: 'USAGE', message: /at least one 2048-byte sector/ })
  t.throws(() => planVolumes({ files: [], usable: -5 }), { code: 'USAGE' })
  const f = file('s', GEN(1), 'x', 1)
  t.throws(() => planVolumes({ files: [f, { ...f }], usable: 10 * S }), /listed twice/)
  t.throws(() => planVolumes({ files: [file('s', GEN(1), 'x', -1)], usable: 10 * S }), /-1 bytes/)
  t.throws(() => planVolumes({ files: [f], usable: 10 * S, minFill: 2 }), /minFill/)
})

/** mulberry32: a seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** A random set: services with fulls log-normal around a fraction of a volume, incrs of 1–5%, ~2 KiB manifests. */
function randomMix(rand: () => number, usable: number): PlanFile[] {
  const files: PlanFile[] = []
  const services = 1 + Math.floor(rand() * 12)
  const scale = usable * [0.02, 0.2, 0.7, 2][Math.floor(rand() * 4)]!
  for (let s = 0; s < services; s++) {
    const base = scale * Math.exp(1.2 * (rand() + rand() + rand() - 1.5))
    const gens = 1 + Math.floor(rand() * 10)
    for (let g = 0; g < gens; g++) {
      const incr = g > 0 && rand() < 0.6
      const bytes = rand() < 0.03 ? 0 : Math.round(incr ? base * (0.01 + 0.04 * rand()) : base * (0.9 + 0.2 * rand()))
      const generation = GEN(1 + g, incr ? 'incr' : 'full')
      files.push(file(`svc${s}`, generation, 'data.tar.zst', bytes))
      files.push(file(`svc${s}`, generation, 'manifest.json', 1500 + Math.floor(rand() * 1000)))
    }
  }
  return files
}

t.test('randomized sets (seeded): the contract holds and volumes never exceed the lower bound', async t => {
  const rand = prng(20261122)
  const problems: string[] = []
  let together = 0
  let gensTotal = 0
  for (let c = 0; c < 300; c++) {
    const block = rand() < 0.2 ? 1 + Math.floor(rand() * 4096) : S
    const usable = block * (8 + Math.floor(rand() * 400))
    const maxPiece = rand() < 0.5 ? undefined : block * (1 + Math.floor(rand() * 200))
    const minFill = rand() < 0.7 ? undefined : [0, 0.97, 1][Math.floor(rand() * 3)]
    const spareVolumes = rand() < 0.8 ? undefined : 1
    const input: PlanInput = { files: randomMix(rand, usable), usable, blockSize: block, maxPiece, minFill, spareVolumes }
    const plan = planVolumes(input)
    const r = contractProblems(input, plan)
    problems.push(...r.problems.map(p => `case ${c}: ${p}`))
    if (plan.volumes.length > plan.lowerBound + 1) problems.push(`case ${c}: ${plan.volumes.length} volumes, bound ${plan.lowerBound}`)
    if (minFill === 1 && !spareVolumes && !plan.volumes.slice(0, -1).every(v => v.used === plan.usable)) problems.push(`case ${c}: minFill 1 left a volume before the last part empty`)
    gensTotal += r.gens.size
    together += [...r.gens.values()].filter(s => s.size === 1).length
  }
  t.same(problems.slice(0, 20), [], '300 cases keep the contract (volumes = the lower bound, which is ≤ bound + 1)')
  t.comment(`${together} of ${gensTotal} generations on one volume`)
})

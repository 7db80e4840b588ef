import t, { type Test } from 'tap'
import { promises as fs } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import {
  defaultRedundancy, parityPlan, chooseBlockSize, sourceBlocks, sourceBlocksBound, par2CreateArgs, par2CheckArgs,
  parseParityOutput, createParity, verifyParity, repairParity, PAR2_MAX_SOURCE_BLOCKS, type ParityPlan,
} from '../../../lib/volumes/parity.js'

const S = 16384
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const DISCS = ['ROOST-T-01OF04', 'ROOST-T-02OF04', 'ROOST-T-03OF04', 'ROOST-T-04OF04']
// every file is 20 blocks and 1 byte: its last block is almost empty, as split pieces often are
const PIECE = 20 * S + 1

/** Four "discs" as folders: three full ones of three files, a last one of one file. */
async function layOut(base: string): Promise<Map<string, string>> {
  const sums = new Map<string, string>()
  for (const [k, disc] of DISCS.entries()) {
    for (let i = 0; i < (k < 3 ? 3 : 1); i++) {
      const rel = join(disc, 'data', 'wiki', `20261122T0${k}0000Z-full`, `data.tar.zst.part${i}`)
      const data = randomBytes(PIECE)
      await fs.mkdir(join(base, rel, '..'), { recursive: true })
      await fs.writeFile(join(base, rel), data)
      sums.set(rel, sha(data))
    }
  }
  return sums
}

const planFor = (opts: { redundancy?: number } = {}): ParityPlan => parityPlan(4, [3 * PIECE, 3 * PIECE, 3 * PIECE, PIECE], S, [3, 3, 3, 1], opts)

async function sameAsBefore(t: Test, base: string, sums: Map<string, string>): Promise<void> {
  for (const [rel, sum] of sums) t.equal(sha(await fs.readFile(join(base, rel))), sum, `${rel} bit-exact`)
}

t.test('the redundancy that survives losing one disc of n is 100/(n−1) %', async t => {
  t.equal(defaultRedundancy(2), 100)
  t.equal(defaultRedundancy(3), 50)
  t.equal(Math.round(defaultRedundancy(4) * 100) / 100, 33.33)
  t.equal(defaultRedundancy(11), 10)
  t.equal(defaultRedundancy(1), 10, 'one disc: damage only')
})

t.test('the plan counts partial blocks and spreads one disc of parity over the set', async t => {
  t.equal(sourceBlocks([PIECE, PIECE, PIECE], S), 63)
  t.equal(sourceBlocksBound(3 * PIECE, 3, S), 63, 'the bound is exact when every last block is nearly empty')
  t.equal(sourceBlocksBound(3 * 20 * S, 3, S), 62, 'a bound: these files take only 60')
  t.equal(sourceBlocksBound(0, 0, S), 0)
  const p = planFor()
  t.same(p.sourceBlocksPerDisc, [63, 63, 63, 21])
  t.equal(p.recoveryBlocksPerDisc, 21, '⌈63 / 3⌉')
  t.equal(p.recoveryBlocks, 84)
  t.equal(p.survivesDiscLoss, true)
  t.equal(Math.round(p.redundancyPercent * 10) / 10, 40, '84 of 210 blocks: the short last disc costs more than 33%')
  t.equal(planFor({ redundancy: 38 }).survivesDiscLoss, false, '20 blocks a disc are one short')
  const even = parityPlan(5, Array(5).fill(1e9), 1 << 20, Array(5).fill(10))
  t.equal(even.recoveryBlocksPerDisc, Math.ceil(even.sourceBlocksPerDisc[0]! / 4))
  t.ok(Math.abs(even.redundancyPercent - defaultRedundancy(5)) < 0.5, `${even.redundancyPercent} ≈ 25`)
  const one = parityPlan(1, [100 * S], S, [1])
  t.same([one.recoveryBlocks, one.survivesDiscLoss], [10, false])
  t.throws(() => parityPlan(2, [1e9, 1e9], 4096, [1, 1]), { code: 'USAGE', message: /at most 32768/ })
  t.throws(() => parityPlan(2, [1], 4, [1, 1]), /2 discs need/)
  t.throws(() => parityPlan(1, [1], 6, [1]), /multiple of 4/)
})

t.test('block size: as large as a 5% waste allows, never over par2’s block limit', async t => {
  const dvd = chooseBlockSize(Array(4).fill(4_500_000_000), Array(4).fill(20))
  t.equal(dvd % 4, 0)
  t.equal(dvd, Math.floor((0.05 * 18e9) / 80 / 4) * 4)
  const tight = chooseBlockSize([100e9], [10], 0)
  t.ok(parityPlan(1, [100e9], tight, [10]).sourceBlocks <= PAR2_MAX_SOURCE_BLOCKS)
  t.equal(chooseBlockSize([0], [0]), 4)
})

t.test('argv: never -p; spread evenly; names after --', async t => {
  const c = par2CreateArgs({ base: '/b', par2File: '/b/w/roost.par2', files: ['/b/d1/-x'], blockSize: S, recoveryBlocks: 84, recoveryFiles: 4, threads: 2 })
  t.same(c, ['par2', 'create', '-q', '-q', '-B/b', `-s${S}`, '-c84', '-n4', '-u', '-t2', '--', '/b/w/roost.par2', '/b/d1/-x'])
  const r = par2CheckArgs('repair', { base: '/b', par2File: '/b/d1/roost.par2', extra: ['/b/d2/roost.vol21+21.par2'], threads: 2 })
  t.same(r, ['par2', 'repair', '-q', '-B/b', '-t2', '--', '/b/d1/roost.par2', '/b/d2/roost.vol21+21.par2'])
  t.notOk(r.includes('-p'))
})

t.test('parses par2 output', async t => {
  const out = 'Target: "d1/a" - found.\nTarget: "d2/b" - missing.\nTarget: "d3/c" - damaged. Found 2 of 3 data blocks.\nRepair is not possible.\nYou need 3 more recovery blocks to be able to repair.\n'
  t.same(parseParityOutput(out, 2), { state: 'not-repairable', exitCode: 2, damaged: ['d3/c'], missing: ['d2/b'], needMoreBlocks: 3 })
  t.same(parseParityOutput('', 0), { state: 'ok', exitCode: 0, damaged: [], missing: [] })
})

t.test('parity on four discs: placed one recovery file per disc, sized as planned', async t => {
  const base = t.testdir()
  const sums = await layOut(base)
  const plan = planFor()
  const placed = await createParity(base, DISCS, plan)
  t.equal(placed.perDisc.length, 4)
  for (const [k, files] of placed.perDisc.entries()) {
    t.match(files, [`${DISCS[k]}/roost.par2`, new RegExp(`^${DISCS[k]}/roost\\.vol\\d+\\+21\\.par2$`)])
    let bytes = 0
    for (const f of files) bytes += (await fs.stat(join(base, f))).size
    t.ok(bytes <= plan.recoveryBytesPerDisc && bytes > plan.recoveryBytesPerDisc * 0.95, `disc ${k + 1}: ${bytes} ≤ ${plan.recoveryBytesPerDisc} planned`)
  }
  t.same((await fs.readdir(base)).sort(), DISCS, 'no work folder left')
  t.same(await verifyParity(base), { state: 'ok', exitCode: 0, damaged: [], missing: [] })
  await t.rejects(createParity(base, DISCS, plan), { code: 'TARGET_NOT_EMPTY' })
  await sameAsBefore(t, base, sums)
})

t.test('(a) flipped bytes in one file are repaired', async t => {
  const base = t.testdir()
  const sums = await layOut(base)
  await createParity(base, DISCS, planFor())
  const victim = [...sums.keys()][4]!
  const h = await fs.open(join(base, victim), 'r+')
  await h.write(Buffer.from('garbage!'), 0, 8, 1000)
  await h.write(Buffer.from('garbage!'), 0, 8, 200_000)
  await h.close()
  t.match(await verifyParity(base), { state: 'repairable', exitCode: 1, damaged: [victim], missing: [] })
  const r = await repairParity(base)
  t.same(r.repaired, [victim])
  await sameAsBefore(t, base, sums)
  t.ok(await fs.stat(join(base, `${victim}.1`)), 'the damaged copy is kept as .1, parity is kept (no purge)')
  t.equal((await verifyParity(base)).state, 'ok')
})

t.test('(b) one whole disc deleted is rebuilt from the parity on the others', async t => {
  const base = t.testdir()
  const sums = await layOut(base)
  await createParity(base, DISCS, planFor())
  await fs.rm(join(base, DISCS[1]!), { recursive: true })
  const v = await verifyParity(base)
  t.match(v, { state: 'repairable', missing: [...sums.keys()].filter(k => k.startsWith(DISCS[1]!)).sort() })
  await repairParity(base)
  await sameAsBefore(t, base, sums)
})

t.test('one block short per disc, the fullest disc cannot be rebuilt', async t => {
  const base = t.testdir()
  await layOut(base)
  await createParity(base, DISCS, planFor({ redundancy: 38 }))
  await fs.rm(join(base, DISCS[0]!), { recursive: true })
  await t.rejects(repairParity(base), { code: 'VERIFY_FAILED', message: /3 recovery blocks short/, detail: { exitCode: 2, needMoreBlocks: 3 } })
})

t.test('(c) two discs lost with one-disc redundancy: not repairable, said clearly', async t => {
  const base = t.testdir()
  await layOut(base)
  await createParity(base, DISCS, planFor())
  await fs.rm(join(base, DISCS[0]!), { recursive: true })
  await fs.rm(join(base, DISCS[2]!), { recursive: true })
  t.match(await verifyParity(base), { state: 'not-repairable', exitCode: 2, needMoreBlocks: Number })
  const err = await repairParity(base).catch((e: unknown) => e)
  t.match(err, { code: 'VERIFY_FAILED', exitCode: 3, message: /^par2 cannot repair the set in .*: \d+ recovery blocks short \(6 files missing or damaged/, detail: { exitCode: 2 } })
  await t.rejects(verifyParity(t.testdir()), { code: 'PATH_NOT_FOUND' })
})

t.test('bestBlockSize: many small files on a disc favour smaller blocks; the choice never costs more parity than the default', async t => {
  const { bestBlockSize, chooseBlockSize, parityPlan, PAR2_MAX_SOURCE_BLOCKS } = await import('../../../lib/volumes/parity.js')
  const GiB = 1024 ** 3
  // 8 discs: 7 hold one 4 GiB piece each, one holds 4 GiB in 200 small files
  const sizes: number[][] = [...Array.from({ length: 7 }, () => [4 * GiB]), Array.from({ length: 200 }, () => Math.floor((4 * GiB) / 200))]
  const data = sizes.map(f => f.reduce((a, b) => a + b, 0))
  const counts = sizes.map(f => f.length)
  const best = bestBlockSize(sizes)
  const dflt = chooseBlockSize(data, counts)
  const bytes = (s: number): number => { const p = parityPlan(8, data, s, counts, { fileSizesPerDisc: sizes }); t.ok(p.survivesDiscLoss); return p.recoveryBlocksPerDisc * s }
  t.ok(bytes(best) <= bytes(dflt), `best ${best} B blocks: ${bytes(best)} parity bytes per disc, default ${dflt} B: ${bytes(dflt)}`)
  t.ok(bytes(best) < 1.1 * (4 * GiB) / 7, 'within 10% of the ideal (one disc of data over 7)')
  t.ok(sizes.flat().reduce((a, f) => a + Math.ceil(f / best), 0) <= PAR2_MAX_SOURCE_BLOCKS, 'par2 can take it')
  t.equal(best % 4, 0)
})

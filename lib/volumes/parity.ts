/**
 * Cross-disc parity for a set of volumes, with par2 (par2cmdline 0.8.1).
 *
 * One par2 set covers the data files of every disc; its recovery blocks are spread evenly,
 * one recovery file per disc, and every disc also carries the set's index file. Losing a
 * whole disc loses its data blocks B_k and its own recovery blocks, so the other n − 1 discs'
 * recovery blocks must cover B_k:
 *
 *     P (recovery blocks per disc) = ⌈max_k B_k / (n − 1)⌉,   redundancy ≈ 100 / (n − 1) %
 *
 * i.e. one disc's worth of parity spread over the set (1/n of every disc), the least any code
 * that survives the loss of one disc can use. B_k counts every file's last partial block as
 * a whole block (≤ ⌈D_k/S⌉ + files_k − 1). par2 takes at most 32768 source and 32768
 * recovery blocks. Creating parity costs time ∝ data × recovery blocks (not block size): keep
 * the block count low (`chooseBlockSize`). Exit codes: 0 ok, 1 repairable, 2 not repairable.
 * Repair never purges (`-p` deletes the parity after a repair); it leaves `NAME.1` backups of
 * the damaged files it rewrote.
 */
import { promises as fs, constants } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { RoostError } from '../errors.js'
import { run, lastLines } from '../proc/run.js'
import { fsyncPath } from '../fsx/atomic.js'

export const PAR2_MAX_SOURCE_BLOCKS = 32768
export const PAR2_MAX_RECOVERY_BLOCKS = 32768
/** Redundancy (percent of source blocks) for a set of one disc: it survives damage, not loss. */
export const SINGLE_DISC_REDUNDANCY = 10
/** par2 exit codes for verify and repair. */
export const PAR2_EXIT = { OK: 0, REPAIRABLE: 1, NOT_REPAIRABLE: 2 } as const
const PAR2_FAILURES: Record<number, string> = { 3: 'invalid arguments', 4: 'not enough critical data (no usable .par2 file)', 5: 'repair failed', 6: 'file I/O error', 7: 'logic error', 8: 'out of memory' }

/** Percent of the data's blocks that par2 must add so that any one disc of `n` can be lost. */
export function defaultRedundancy(n: number): number {
  return n <= 1 ? SINGLE_DISC_REDUNDANCY : 100 / (n - 1)
}

/** Upper bound on par2 source blocks for `files` files of `bytes` in all at block size `s`. */
export function sourceBlocksBound(bytes: number, files: number, s: number): number {
  return bytes === 0 ? 0 : Math.ceil(bytes / s) + Math.max(files, 1) - 1
}

/** Exact par2 source blocks for files of these sizes (empty files take none). */
export function sourceBlocks(fileSizes: readonly number[], s: number): number {
  return fileSizes.reduce((sum, b) => sum + Math.ceil(b / s), 0)
}

export interface ParityPlan {
  discs: number
  blockSize: number
  /** Per disc, an upper bound on its data's source blocks. */
  sourceBlocksPerDisc: number[]
  sourceBlocks: number
  /** Recovery blocks in each disc's recovery file (the same on every disc). */
  recoveryBlocksPerDisc: number
  recoveryBlocks: number
  /** recoveryBlocks / sourceBlocks in percent (what par2's -r would say). */
  redundancyPercent: number
  /** Bytes of the set's index file (a copy is on every disc). */
  indexBytes: number
  /** Bytes of par2 files on each disc: its recovery file and the index. */
  recoveryBytesPerDisc: number
  /** Whether any one whole disc can be lost and rebuilt from the others. */
  survivesDiscLoss: boolean
}

const pad4 = (n: number): number => Math.ceil(n / 4) * 4
const bitLength = (n: number): number => (n === 0 ? 0 : Math.floor(Math.log2(n)) + 1)
// "Created by par2cmdline version 0.8.1." is 104 bytes as a packet; room for a longer one
const CREATOR_PACKET = 128

/**
 * Plans par2 for `n` discs holding `dataBytesPerDisc` in `filesPerDisc` files at block size
 * `blockSize`. By default the least parity that survives losing any one disc (for n ≥ 2);
 * `redundancy` (percent) asks for more or less. `nameBytes` bounds the paths par2 records.
 * Pure. Throws USAGE when par2's block limits are exceeded (pick a larger block size).
 */
export function parityPlan(n: number, dataBytesPerDisc: readonly number[], blockSize: number, filesPerDisc: readonly number[], opts: { redundancy?: number; nameBytes?: number; fileSizesPerDisc?: ReadonlyArray<readonly number[]> } = {}): ParityPlan {
  if (!Number.isInteger(n) || n < 1 || dataBytesPerDisc.length !== n || filesPerDisc.length !== n) throw new Error(`parityPlan: ${n} discs need ${n} data sizes and ${n} file counts`)
  if (!Number.isInteger(blockSize) || blockSize <= 0 || blockSize % 4 !== 0) throw new Error(`parityPlan: block size ${blockSize} is not a positive multiple of 4`)
  // exact when the files' sizes are known (fileSizesPerDisc), else an upper bound
  const perDisc = opts.fileSizesPerDisc ? opts.fileSizesPerDisc.map(sizes => sourceBlocks(sizes, blockSize)) : dataBytesPerDisc.map((d, k) => sourceBlocksBound(d, filesPerDisc[k] ?? 0, blockSize))
  const total = perDisc.reduce((a, b) => a + b, 0)
  const files = filesPerDisc.reduce((a, b) => a + b, 0)
  if (total > PAR2_MAX_SOURCE_BLOCKS) throw new RoostError('USAGE', `${total} par2 source blocks at block size ${blockSize}; par2 takes at most ${PAR2_MAX_SOURCE_BLOCKS}`, { hint: `use a block size of at least ${chooseBlockSize(dataBytesPerDisc, filesPerDisc, 0)}` })
  const worst = Math.max(0, ...perDisc)
  const p = opts.redundancy !== undefined ? Math.ceil((total * opts.redundancy) / 100 / n)
    : n === 1 ? Math.ceil((total * SINGLE_DISC_REDUNDANCY) / 100)
      : Math.ceil(worst / (n - 1))
  if (p * n > PAR2_MAX_RECOVERY_BLOCKS) throw new RoostError('USAGE', `${p * n} par2 recovery blocks; par2 makes at most ${PAR2_MAX_RECOVERY_BLOCKS}`, { hint: 'use a larger block size' })
  const critical = 76 + 16 * files + files * (120 + pad4(opts.nameBytes ?? 255)) + files * 80 + 20 * total
  const indexBytes = critical + CREATOR_PACKET
  const recoveryFile = p === 0 ? 0 : p * (68 + blockSize) + bitLength(p) * critical + CREATOR_PACKET
  return {
    discs: n,
    blockSize,
    sourceBlocksPerDisc: perDisc,
    sourceBlocks: total,
    recoveryBlocksPerDisc: p,
    recoveryBlocks: p * n,
    redundancyPercent: total === 0 ? 0 : (100 * p * n) / total,
    indexBytes,
    recoveryBytesPerDisc: recoveryFile + indexBytes,
    survivesDiscLoss: n >= 2 && (n - 1) * p >= worst,
  }
}

/**
 * The largest block size (a multiple of 4) at which each file's partial last block wastes at
 * most `maxWaste` of the data (on average), but never so small that the set needs more than
 * 32768 source blocks. Larger blocks mean fewer recovery blocks, and par2 time grows with
 * data × recovery blocks. Pure.
 */
export function chooseBlockSize(dataBytesPerDisc: readonly number[], filesPerDisc: readonly number[], maxWaste = 0.05): number {
  const bytes = dataBytesPerDisc.reduce((a, b) => a + b, 0)
  const files = Math.max(1, filesPerDisc.reduce((a, b) => a + b, 0))
  const room = PAR2_MAX_SOURCE_BLOCKS - files - dataBytesPerDisc.length
  if (room <= 0) throw new RoostError('USAGE', `${files} files are too many for one par2 set (at most ${PAR2_MAX_SOURCE_BLOCKS} blocks)`)
  const least = Math.ceil(bytes / room / 4) * 4
  const wanted = Math.floor((maxWaste * bytes) / files / 4) * 4
  return Math.max(4, least, wanted)
}

/**
 * The block size that makes the least parity for discs holding files of these sizes, when the
 * set must survive the loss of one disc: recovery bytes per disc are ⌈max_k B_k/(n − 1)⌉ · S,
 * and every file's last partial block counts whole, so many small files on one disc favour
 * small blocks, while par2 takes at most 32768 source blocks and its time grows with the
 * number of recovery blocks. Tries sizes from the least par2 allows up, by factors of √2, and
 * keeps the largest whose parity is within 1% of the least found. Pure.
 */
export function bestBlockSize(fileSizesPerDisc: ReadonlyArray<readonly number[]>): number {
  const n = fileSizesPerDisc.length
  const dataPerDisc = fileSizesPerDisc.map(f => f.reduce((a, b) => a + b, 0))
  const filesPerDisc = fileSizesPerDisc.map(f => f.length)
  const least = chooseBlockSize(dataPerDisc, filesPerDisc, 0)
  const largest = Math.max(least, chooseBlockSize(dataPerDisc, filesPerDisc, 0.2))
  const cost = (s: number): number => {
    const worst = Math.max(0, ...fileSizesPerDisc.map(f => sourceBlocks(f, s)))
    return Math.ceil(worst / Math.max(1, n - 1)) * (s + 68)
  }
  const tries: number[] = []
  for (let s = least; s <= largest; s = Math.ceil((s * Math.SQRT2) / 4) * 4) tries.push(s)
  if (tries[tries.length - 1] !== largest) tries.push(largest)
  const ok = tries.filter(s => fileSizesPerDisc.reduce((a, f) => a + sourceBlocks(f, s), 0) <= PAR2_MAX_SOURCE_BLOCKS)
  const costs = ok.map(cost)
  const best = Math.min(...costs)
  return ok.filter((_, i) => costs[i]! <= best * 1.01).pop() ?? least
}

/** `par2 create` over `files` (absolute, under `base`), recovery spread over `recoveryFiles`. Pure. */
export function par2CreateArgs(o: { base: string; par2File: string; files: readonly string[]; blockSize: number; recoveryBlocks: number; recoveryFiles: number; threads?: number }): string[] {
  return ['par2', 'create', '-q', '-q', `-B${o.base}`, `-s${o.blockSize}`, `-c${o.recoveryBlocks}`, `-n${o.recoveryFiles}`, '-u', `-t${o.threads ?? availableParallelism()}`, '--', o.par2File, ...o.files]
}

/** `par2 verify` or `par2 repair` (never with -p) of the set whose index is `par2File`. Pure. */
export function par2CheckArgs(mode: 'verify' | 'repair', o: { base: string; par2File: string; extra: readonly string[]; threads?: number }): string[] {
  return ['par2', mode, '-q', `-B${o.base}`, `-t${o.threads ?? availableParallelism()}`, '--', o.par2File, ...o.extra]
}

export interface PlacedParity {
  /** Per disc (in the order given), the par2 files written into it, relative to the base. */
  perDisc: string[][]
}

/**
 * Creates the set's parity: one par2 set over every file in the disc folders `discs` (under
 * `base`, in set order), then moves recovery file k into disc k and copies the index into each.
 * The data must fit the plan's block counts. Refuses to run when `NAME.par2` files exist.
 * Run it before the per-disc copies of the catalog and README are staged: they are the same
 * on every disc (any copy will do) and would only cost parity; the catalog can then list
 * the par2 files too.
 */
export async function createParity(base: string, discs: readonly string[], plan: ParityPlan, name = 'roost'): Promise<PlacedParity> {
  if (discs.length !== plan.discs) throw new Error(`createParity: plan is for ${plan.discs} discs, got ${discs.length}`)
  const root = resolve(base)
  const byDisc = await Promise.all(discs.map(d => listFiles(join(root, d))))
  const all = byDisc.flat()
  if (all.some(f => isParityFile(f.path, name))) throw new RoostError('TARGET_NOT_EMPTY', `${root} already holds ${name}.par2 files; refusing to add a second set`)
  byDisc.forEach((files, k) => {
    const exact = sourceBlocks(files.map(f => f.bytes), plan.blockSize)
    if (exact > (plan.sourceBlocksPerDisc[k] ?? 0)) throw new Error(`createParity: disc ${discs[k]} holds ${exact} blocks, the plan allowed ${plan.sourceBlocksPerDisc[k]}`)
  })
  if (plan.recoveryBlocks === 0) return { perDisc: discs.map(() => []) }
  const work = join(root, `.par2-${randomBytes(6).toString('hex')}`)
  await fs.mkdir(work)
  try {
    await run(par2CreateArgs({ base: root, par2File: join(work, `${name}.par2`), files: all.map(f => f.path), blockSize: plan.blockSize, recoveryBlocks: plan.recoveryBlocks, recoveryFiles: plan.discs }), { what: `par2 creating parity in ${root}` })
    const vols = (await fs.readdir(work)).filter(f => f !== `${name}.par2`).sort((a, b) => firstBlock(a) - firstBlock(b))
    if (vols.length !== discs.length) throw new RoostError('TOOL_FAILED', `par2 wrote ${vols.length} recovery files for ${discs.length} discs`)
    const perDisc: string[][] = []
    for (const [k, disc] of discs.entries()) {
      const vol = vols[k] as string
      await fs.rename(join(work, vol), join(root, disc, vol))
      await fs.copyFile(join(work, `${name}.par2`), join(root, disc, `${name}.par2`), constants.COPYFILE_EXCL)
      for (const f of [vol, `${name}.par2`]) await fsyncPath(join(root, disc, f))
      await fsyncPath(join(root, disc))
      perDisc.push([join(disc, `${name}.par2`), join(disc, vol)])
    }
    return { perDisc }
  } finally {
    await fs.rm(work, { recursive: true, force: true })
  }
}

function firstBlock(file: string): number {
  const m = /\.vol(\d+)\+\d+\.par2$/.exec(file)
  if (!m) throw new RoostError('TOOL_FAILED', `unexpected par2 output file ${file}`)
  return Number(m[1])
}

function isParityFile(path: string, name: string): boolean {
  const leaf = path.slice(path.lastIndexOf('/') + 1)
  return leaf === `${name}.par2` || (leaf.startsWith(`${name}.vol`) && leaf.endsWith('.par2'))
}

async function listFiles(dir: string): Promise<{ path: string; bytes: number }[]> {
  const out: { path: string; bytes: number }[] = []
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const path = join(e.parentPath, e.name)
    out.push({ path, bytes: (await fs.stat(path)).size })
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

export interface ParityStatus {
  state: 'ok' | 'repairable' | 'not-repairable'
  exitCode: number
  /** Files (relative to the base) par2 found damaged or missing. */
  damaged: string[]
  missing: string[]
  /** How many more recovery blocks a repair would need, when it is not possible. */
  needMoreBlocks?: number
}

/** Reads `par2 verify|repair -q` output. Pure. */
export function parseParityOutput(stdout: string, exitCode: number): ParityStatus {
  const targets = [...stdout.matchAll(/^Target: "(.*)" - (found|missing|damaged)\./gm)]
  const pick = (what: string): string[] => [...new Set(targets.filter(m => m[2] === what).map(m => m[1] ?? ''))]
  const need = /You need (\d+) more recovery blocks/.exec(stdout)
  const state = exitCode === PAR2_EXIT.OK ? 'ok' : exitCode === PAR2_EXIT.REPAIRABLE ? 'repairable' : 'not-repairable'
  return { state, exitCode, damaged: pick('damaged'), missing: pick('missing'), ...(need ? { needMoreBlocks: Number(need[1]) } : {}) }
}

async function runCheck(mode: 'verify' | 'repair', base: string, name: string): Promise<{ status: ParityStatus; root: string }> {
  const root = resolve(base)
  const found = (await listFiles(root)).map(f => f.path).filter(p => isParityFile(p, name))
  const index = found.find(p => p.endsWith(`/${name}.par2`)) ?? found[0]
  if (!index) throw new RoostError('PATH_NOT_FOUND', `no ${name}.par2 files under ${root}`, { hint: 'every disc of a set carries them: put the discs\' contents in one folder per disc' })
  const extra = found.filter(p => p !== index && !p.endsWith(`/${name}.par2`))
  const r = await run(par2CheckArgs(mode, { base: root, par2File: index, extra }), { okCodes: [0, 1, 2, 3, 4, 5, 6, 7, 8], what: `par2 ${mode} in ${root}` })
  const failure = PAR2_FAILURES[r.exitCode]
  if (failure) throw new RoostError('TOOL_FAILED', `par2 ${mode} in ${root} exited ${r.exitCode}: ${failure}`, { hint: lastLines(r.stdout + r.stderr) })
  return { status: parseParityOutput(r.stdout, r.exitCode), root }
}

/**
 * Verifies the set `name` laid out under `base` (one folder per disc, as created): ok,
 * repairable, or not repairable, with the files named. Changes nothing.
 */
export async function verifyParity(base: string, name = 'roost'): Promise<ParityStatus> {
  return (await runCheck('verify', base, name)).status
}

/**
 * Repairs the set `name` under `base` in place: rewrites damaged files (keeping `FILE.1`
 * backups) and recreates missing ones, including a lost disc's folder. Throws VERIFY_FAILED
 * (par2 exit 2) naming what is missing and how many blocks short it is.
 */
export async function repairParity(base: string, name = 'roost'): Promise<ParityStatus & { repaired: string[] }> {
  const { status, root } = await runCheck('repair', base, name)
  if (status.state === 'not-repairable') {
    const lost = [...status.missing, ...status.damaged]
    throw new RoostError('VERIFY_FAILED', `par2 cannot repair the set in ${root}: ${status.needMoreBlocks ?? 'more'} recovery blocks short (${lost.length} files missing or damaged: ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', …' : ''})`, { hint: 'find another copy of a lost disc; parity covers the loss of one disc', detail: { exitCode: status.exitCode, needMoreBlocks: status.needMoreBlocks, missing: status.missing, damaged: status.damaged } })
  }
  return { ...status, repaired: [...status.damaged, ...status.missing] }
}

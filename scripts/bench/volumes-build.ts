/**
 * Disc-set build benchmark (issue 6): `roost mirror volumes` on the shared corpus, against the
 * raw tools it drives, in one run. A mirror root (`roost mirror init`) gets one full
 * generation of the corpus made with the real tar and zstd, a signed manifest and a signed
 * TREE.json (what a sync leaves; no hub), then:
 *   dvd     `--media dvd`: the 1 GiB corpus fits one disc, 10% parity;
 *   multi   `--media 256M` (`--multi`): several discs, parity ≈ 100/(n − 1)% (one lost disc).
 * Per set: wall time of the command (node dist/roost.js), its ms split (stage / par2 / xorriso
 * / total), discs used vs lowerBound (⌈data / capacity⌉, no parity), fill of every volume.
 * Raw tools on the same content: each of our images is extracted (xorriso -osirrox) to a
 * folder, and per volume
 *   xorriso  `xorriso -no_rc -outdev stdio:X -volid L -joliet off -rockridge on -padding 0
 *            -md5 on -map DIR / -commit` (summed; ours also runs -print_size, which is timed
 *            too, scans the folder and fsyncs the image);
 *   stage    `cp -r DIR/data` of every disc into one folder per disc (writing the bytes once;
 *            ours also hashes every file and piece);
 *   par2     `par2 create` with our block size, recovery block count and files per disc over
 *            those copies (the argv roost runs: ms.parity is that call plus moving its output).
 * Ratios ours/raw for the ISO step and for the whole command (raw = stage + par2 + xorriso),
 * and par2 seconds per GiB of data at the default redundancy. Prints figures and a JSON
 * summary (also written to results.json in the work folder); asserts nothing. Heavy: not part
 * of the test suite. The corpus is made once under /tmp and reused (`--corpus` to choose).
 *
 *   node dist/scripts/bench/volumes-build.js [--size-mib 1024] [--seed 42] [--multi 256M] [--corpus DIR] [--dir DIR]
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, promises as fs } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { run } from '../../lib/proc/run.js'
import { readPrivateKey, type PrivateKey } from '../../lib/sign.js'
import { createArgs, countListingLine, emptyCounts } from '../../lib/tar.js'
import { compressArgs } from '../../lib/zstd.js'
import { signManifest, renderManifest } from '../../lib/formats/manifest.js'
import { buildTree, signTree, type GenerationRecord } from '../../lib/formats/tree.js'
import { formatBytes } from '../../lib/config/units.js'
import { extractAll } from '../../lib/volumes/iso.js'
import { par2CreateArgs } from '../../lib/volumes/parity.js'
import { DATA_DIR } from '../../lib/volumes/layout.js'
import type { VolumesResult } from '../../mirror/volumes.js'
import { arg, timed, writeResults } from './common.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const ROOST = join(REPO, 'dist', 'roost.js')
const CORPUS = resolve(REPO, '..', 'shared', 'corpus')
const SVC = 'bench'
const GEN = '20261120T030000Z-full'
const GiB = 1024 ** 3

const say = (s: string): void => void process.stdout.write(s + '\n')
const sec = (ms: number): string => (ms / 1000).toFixed(1) + ' s'
const ratio = (a: number, b: number): string => (b ? (a / b).toFixed(2) + 'x' : '-')

async function makeKey(dir: string, name: string): Promise<PrivateKey & { path: string }> {
  const path = join(dir, name)
  await run(['ssh-keygen', '-t', 'ed25519', '-N', '', '-q', '-C', name, '-f', path])
  return { ...(await readPrivateKey(path)), path }
}

/** Runs argv with stdout to `outFile` (and stdin from `inFile`), streaming. */
function runTo(argv: string[], outFile: string, inFile?: string): void {
  const out = openSync(outFile, 'w')
  const inp = inFile ? openSync(inFile, 'r') : 'ignore'
  try {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: [inp, out, 'pipe'] })
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  } finally {
    closeSync(out)
    if (typeof inp === 'number') closeSync(inp)
  }
}

async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256')
  await pipeline(createReadStream(path), h)
  return { sha256: h.digest('hex'), bytes: (await fs.stat(path)).size }
}

/** The corpus for this size and seed, made once (`DIR.ok` marks a finished one). */
async function ensureCorpus(dir: string, sizeMib: string, seed: string): Promise<void> {
  if (await fs.stat(`${dir}.ok`).catch(() => undefined)) return
  await fs.rm(dir, { recursive: true, force: true })
  say(`making the corpus in ${dir} …`)
  await run(['bash', join(CORPUS, 'corpus.sh'), dir, sizeMib, seed])
  await fs.writeFile(`${dir}.ok`, `corpus.sh ${sizeMib} ${seed}\n`)
}

/** A mirror root whose store holds one full generation of the corpus and a signed TREE.json. */
async function makeMirror(base: string, corpus: string): Promise<{ config: string; storeBytes: number }> {
  const keys = join(base, 'keys')
  const work = join(base, 'work')
  await fs.mkdir(keys)
  await fs.mkdir(work)
  const [indexKey, svcKey, hostKey] = [await makeKey(keys, 'index'), await makeKey(keys, SVC), await makeKey(keys, 'host')]
  const root = join(base, 'mirror')
  await run([process.execPath, ROOST, 'mirror', 'init', root, '--upstream', '127.0.0.1:2222', '--name', 'bench', '--index-key', `${indexKey.path}.pub`, '--host-key', `${hostKey.path}.pub`], { env: { ROOST_LOG_LEVEL: 'warn' } })
  const store = join(root, 'store')
  const dir = join(store, SVC, GEN)
  await fs.mkdir(dir, { recursive: true })
  const tar = join(work, 'data.tar')
  runTo(createArgs({ sources: [corpus] }), tar)
  const counts = emptyCounts()
  for (const line of (await run(['tar', '--list', '--verbose', '--quoting-style=escape', '--file', tar])).stdout.split('\n')) countListingLine(counts, line)
  const t = await sha256File(tar)
  counts.bytes = t.bytes
  const manifest = signManifest({
    format: 'roost/1', service: SVC, generation: GEN, kind: 'full', base: null, parent: null, created: '2026-11-20T03:00:00.000Z', host: 'bench', roost: '0.1.0',
    sources: [corpus], excludes: [], hooks: [], files: [{ name: 'data.tar', ...t }], compression: 'none', encryption: null, counts,
  }, svcKey)
  await fs.writeFile(join(dir, 'manifest.json'), renderManifest(manifest))
  runTo(compressArgs(), join(dir, 'data.tar.zst'), tar)
  await fs.rm(tar)
  const files = { 'manifest.json': await sha256File(join(dir, 'manifest.json')), 'data.tar.zst': await sha256File(join(dir, 'data.tar.zst')) }
  const record: GenerationRecord = { service: SVC, generation: GEN, kind: 'full', accepted: '2026-11-20T03:01:00.000Z', files }
  const signed = signTree(buildTree([record], { [SVC]: svcKey.public.line }, 0, new Date()), indexKey)
  await fs.writeFile(join(store, 'TREE.json'), signed.bytes)
  await fs.writeFile(join(store, 'TREE.json.sig'), signed.signature)
  return { config: join(root, 'mirror.yaml'), storeBytes: files['data.tar.zst'].bytes + files['manifest.json'].bytes }
}

interface RawFigures {
  /** Per volume: raw image bytes, and ms of the write and of -print_size. */
  images: Array<{ label: string; bytes: number; oursBytes: number; ms: number; printSizeMs: number }>
  xorrisoMs: number
  printSizeMs: number
  stageMs: number
  par2Ms: number
  par2Argv: string
}

/** The raw tools on the content of our images: xorriso per volume, cp of the data, par2 create. */
async function rawTools(dir: string, r: VolumesResult): Promise<RawFigures> {
  const trees = join(dir, 'trees')
  const stage = join(dir, 'stage')
  await fs.mkdir(stage, { recursive: true })
  await fs.mkdir(trees, { recursive: true })
  const images: RawFigures['images'] = []
  let stageMs = 0
  for (const v of r.volumes) {
    const tree = join(trees, v.label)
    if (!(await extractAll(v.path, tree))) throw new Error(`xorriso could not extract ${v.path}`)
    const img = join(dir, `${v.label}.iso`)
    await run(['sync'])
    const size = await timed(() => run(['xorriso', '-no_rc', '-outdev', 'stdio:/dev/null', '-volid', v.label, '-joliet', 'off', '-rockridge', 'on', '-padding', '0', '-md5', 'on', '-map', tree, '/', '-print_size', '-rollback_end']))
    const w = await timed(() => run(['xorriso', '-no_rc', '-outdev', `stdio:${img}`, '-volid', v.label, '-joliet', 'off', '-rockridge', 'on', '-padding', '0', '-md5', 'on', '-map', tree, '/', '-commit']))
    images.push({ label: v.label, bytes: (await fs.stat(img)).size, oursBytes: v.bytes, ms: w.ms, printSizeMs: size.ms })
    await fs.rm(img)
    await fs.mkdir(join(stage, v.label))
    await run(['sync'])
    stageMs += (await timed(() => run(['cp', '-r', join(tree, DATA_DIR), join(stage, v.label, DATA_DIR)]))).ms
    await fs.rm(tree, { recursive: true })
  }
  const files = (await fs.readdir(stage, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => join(e.parentPath, e.name)).sort()
  const p = r.parity!
  await fs.mkdir(join(stage, '.par2'))
  const argv = par2CreateArgs({ base: stage, par2File: join(stage, '.par2', 'roost.par2'), files, blockSize: p.blockSize, recoveryBlocks: p.recoveryBlocks, recoveryFiles: r.volumes.length })
  await run(['sync'])
  const par2 = await timed(() => run(argv))
  await fs.rm(dir, { recursive: true, force: true })
  const sum = (f: (i: RawFigures['images'][number]) => number): number => images.reduce((n, i) => n + f(i), 0)
  return { images, xorrisoMs: sum(i => i.ms), printSizeMs: sum(i => i.printSizeMs), stageMs, par2Ms: par2.ms, par2Argv: [...argv.slice(0, argv.indexOf('--')), '--', 'INDEX', `<${files.length} files>`].join(' ') }
}

/** One `roost mirror volumes` run, then the raw tools on its images; prints its figures. */
async function measureSet(name: string, media: string, base: string, config: string) {
  const out = join(base, 'sets', name)
  await run(['sync'])
  const w = await timed(() => run([process.execPath, ROOST, 'mirror', 'volumes', '--media', media, '--out', out, '--config', config, '--json'], { env: { ROOST_LOG_LEVEL: 'warn' }, what: `roost mirror volumes --media ${media}` }))
  const r = JSON.parse(w.value.stdout) as VolumesResult
  const p = r.parity!
  const raw = await rawTools(join(base, 'raw', name), r)
  const rawTotal = raw.stageMs + raw.par2Ms + raw.xorrisoMs
  const gib = r.dataBytes / GiB
  say('')
  say(`${name}: --media ${media} (${formatBytes(r.capacity)} a disc), ${formatBytes(r.dataBytes)} of data, ${r.files} files`)
  say(`  discs ${r.volumes.length}, lowerBound ${r.lowerBound} (without parity); parity ${p.redundancyPercent.toFixed(1)}%, ${p.recoveryBlocks} recovery blocks of ${formatBytes(p.blockSize)}, survives losing a disc: ${p.survivesDiscLoss}`)
  for (const v of r.volumes) say(`    ${v.label}  ${formatBytes(v.bytes)}  fill ${(100 * v.fill).toFixed(2)}%  ${v.pieces} piece${v.pieces === 1 ? '' : 's'}, ${formatBytes(v.dataBytes)} of data  (raw xorriso image ${formatBytes(raw.images.find(i => i.label === v.label)!.bytes)})`)
  say(`  ours: wall ${sec(w.ms)}; ms.total ${sec(r.ms.total)} = stage ${sec(r.ms.stage)} + par2 ${sec(r.ms.parity)} + xorriso ${sec(r.ms.iso)} + rest ${sec(r.ms.total - r.ms.stage - r.ms.parity - r.ms.iso)}`)
  say(`  raw:  stage (cp -r) ${sec(raw.stageMs)} + par2 create ${sec(raw.par2Ms)} + xorriso ${sec(raw.xorrisoMs)} = ${sec(rawTotal)}  (xorriso -print_size, not in the sum: ${sec(raw.printSizeMs)})`)
  say(`  ours/raw: ISO step ${ratio(r.ms.iso, raw.xorrisoMs)} (vs raw -print_size + write: ${ratio(r.ms.iso, raw.xorrisoMs + raw.printSizeMs)}), stage ${ratio(r.ms.stage, raw.stageMs)}, par2 ${ratio(r.ms.parity, raw.par2Ms)}, whole command ${ratio(w.ms, rawTotal)} (ms.total ${ratio(r.ms.total, rawTotal)})`)
  say(`  par2 at ${p.redundancyPercent.toFixed(1)}%: ours ${(r.ms.parity / 1000 / gib).toFixed(1)} s/GiB, raw par2 create ${(raw.par2Ms / 1000 / gib).toFixed(1)} s/GiB`)
  say(`  raw par2: ${raw.par2Argv}`)
  await fs.rm(out, { recursive: true, force: true })
  return {
    name, media, capacity: r.capacity, dataBytes: r.dataBytes, files: r.files, discs: r.volumes.length, lowerBound: r.lowerBound, parity: p,
    volumes: r.volumes.map(v => ({ label: v.label, bytes: v.bytes, dataBytes: v.dataBytes, pieces: v.pieces, fill: v.fill })),
    ours: { wallMs: w.ms, ms: r.ms, par2SecPerGiB: r.ms.parity / 1000 / gib },
    raw: { ...raw, totalMs: rawTotal, par2SecPerGiB: raw.par2Ms / 1000 / gib },
    ratios: { iso: r.ms.iso / raw.xorrisoMs, isoWithPrintSize: r.ms.iso / (raw.xorrisoMs + raw.printSizeMs), stage: r.ms.stage / raw.stageMs, par2: r.ms.parity / raw.par2Ms, wall: w.ms / rawTotal, total: r.ms.total / rawTotal },
  }
}

async function main(): Promise<void> {
  const sizeMib = arg('--size-mib', '1024')
  const seed = arg('--seed', '42')
  const multi = arg('--multi', '256M')
  const corpus = resolve(arg('--corpus', join('/tmp', `bench-corpus-${sizeMib}m-s${seed}`)))
  const base = resolve(arg('--dir', await fs.mkdtemp(join(tmpdir(), 'roost-volumes-build-'))))
  await fs.mkdir(base, { recursive: true })
  if ((await fs.readdir(base)).length) throw new Error(`${base} is not empty: give a new --dir`)
  say(`roost volumes build benchmark — corpus ${sizeMib} MiB (seed ${seed}) in ${corpus}, work folder ${base}`)
  await ensureCorpus(corpus, sizeMib, seed)
  const setup = await timed(() => makeMirror(base, corpus))
  say(`mirror store: one full generation, ${formatBytes(setup.value.storeBytes)} (tar | zstd -3 and signing: ${sec(setup.ms)})`)
  const sets = [await measureSet('dvd', 'dvd', base, setup.value.config), await measureSet('multi', multi, base, setup.value.config)]
  await writeResults(base, { corpus: { sizeMib: Number(sizeMib), seed, dir: corpus }, storeBytes: setup.value.storeBytes, setupMs: setup.ms, sets }, say)
}

main().catch((err: unknown) => {
  const e = err as Error & { hint?: string }
  process.stderr.write(`benchmark failed: ${e.stack ?? e.message}${e.hint ? `\n${e.hint}` : ''}\n`)
  process.exitCode = 1
})

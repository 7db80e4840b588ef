/**
 * Generations benchmark (issue 3), on the shared corpus over simulated days of change
 * (`mutate.sh`, ~1% a day), each policy backing up to its own hub on loopback:
 *   every-day-full     `roost spoke run --kind full` every day
 *   weekly-full+incr   `--kind full` on days 1 and 8, `--kind incr` on the others
 * Per day: the bytes that really changed (mutate.sh), the bytes rsync sent (`sent` of
 * `spoke run --json`), the bytes the hub stored for the generation (data.tar.zst + manifest)
 * and the store's running total. Then the restore of full + 6 incrs with `roost restore` from
 * the hub's store folder vs raw `zstd -d | tar -x` of the same archives, and a MEASUREMENT (not
 * part of roost) of what a binary delta at rest would store: `zstd --patch-from=<previous day's
 * tar> -3 --long=31` of each day's full tar, with its time and peak RSS (/usr/bin/time -v), the
 * patch applied back and compared byte for byte. Prints a table and a JSON summary (also
 * written to results.json); asserts nothing. Heavy: not part of the test suite.
 * Day 1 backs up the fresh corpus; day d > 1 first applies `mutate.sh CORPUS d-1`.
 * One file, longer than most: it is a script read top to bottom, not a module.
 *
 *   node dist/scripts/bench/generations.js [--size MIB=1024] [--days 14] [--seed 42] [--dir DIR] [--no-patch]
 */
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { run, spawnStream, checkExit, type ResultPromise } from '../../lib/proc/run.js'
import { extractArgs } from '../../lib/tar.js'
import { formatBytes } from '../../lib/config/units.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { arg, serveHub, stopHubs, timed, writeResults } from './common.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const ROOST = join(REPO, 'dist', 'roost.js')
const CORPUS = resolve(REPO, '..', 'shared', 'corpus')
const SVC = 'bench'
/** restic 0.14 on the 1 GiB corpus, day 1 (corpus README): 45–49 MiB stored for 10.9 MiB changed. */
const RESTIC = { storedMiB: [45, 49], changedMiB: 10.9 }

type Kind = 'full' | 'incr'
interface Policy {
  name: string
  kindFor(day: number): Kind
}
const POLICIES: Policy[] = [
  { name: 'every-day-full', kindFor: () => 'full' },
  { name: 'weekly-full+incr', kindFor: d => ((d - 1) % 7 === 0 ? 'full' : 'incr') },
]

interface DayRow {
  day: number
  kind: Kind
  generation: string
  tarBytes: number
  sent: number
  stored: number
  storeTotal: number
  ms: number
}
interface World {
  policy: Policy
  hubRoot: string
  spokeConfig: string
  hub: ResultPromise
  hubLog: () => string
  rows: DayRow[]
  error?: string
}
interface PatchRow {
  day: number
  patchBytes: number
  makeMs: number
  makeRssKiB: number | null
  applyMs: number
  applyRssKiB: number | null
  rebuiltIdentical: boolean
}



const roost = (args: string[]) => run([process.execPath, ROOST, ...args], { env: { ROOST_LOG_LEVEL: 'warn' }, what: `roost ${args.slice(0, 2).join(' ')}` })

/** Sum of the sizes of the files in a folder (not recursive). */
async function dirBytes(dir: string): Promise<number> {
  let n = 0
  for (const e of await fs.readdir(dir, { withFileTypes: true })) if (e.isFile()) n += (await fs.stat(join(dir, e.name))).size
  return n
}

/** What the hub's store holds for the service: every generation folder's files. */
async function storeBytes(store: string): Promise<number> {
  let n = 0
  for (const e of await fs.readdir(store, { withFileTypes: true })) if (e.isDirectory() && /^\d{8}T\d{6}Z-/.test(e.name)) n += await dirBytes(join(store, e.name))
  return n
}

/** A hub (keeping every generation) and a spoke of the corpus, registered with each other. */
async function startWorld(base: string, policy: Policy, corpus: string): Promise<World> {
  const dir = join(base, policy.name)
  const hubRoot = join(dir, 'hub')
  const hubYaml = join(hubRoot, 'hub.yaml')
  await roost(['hub', 'init', hubRoot, '--port', '0'])
  // keep every generation (hub retention judges by the hub's clock: 14 "days" arrive in minutes)
  const plain = await fs.readFile(hubYaml, 'utf8')
  await fs.writeFile(hubYaml, plain + 'retention:\n  keepLast: 100000\n')
  if ((await run([process.execPath, ROOST, 'hub', 'status', '--config', hubYaml], { okCodes: [0, 1, 2] })).exitCode === 2) await fs.writeFile(hubYaml, plain) // a build without retention
  const { hub, hubLog, port } = await serveHub(ROOST, hubRoot, policy.name)
  const spokeDir = join(dir, 'spoke')
  await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${port}`, '--source', corpus, '--dir', spokeDir])
  const key = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  await roost(['hub', 'add-service', SVC, '--key', key, '--config', hubYaml])
  return { policy, hubRoot, spokeConfig: join(spokeDir, 'spoke.yaml'), hub, hubLog, rows: [] }
}

async function backupDay(w: World, day: number): Promise<void> {
  if (w.error) return
  const kind = w.policy.kindFor(day)
  try {
    const r = await timed(() => roost(['spoke', 'run', '--kind', kind, '--json', '--config', w.spokeConfig]))
    const j = JSON.parse(r.value.stdout) as { generation: string; kind: Kind; bytes: number; sent: number }
    const store = join(w.hubRoot, 'store', SVC)
    w.rows.push({ day, kind: j.kind, generation: j.generation, tarBytes: j.bytes, sent: j.sent, stored: await dirBytes(join(store, j.generation)), storeTotal: await storeBytes(store), ms: r.ms })
  } catch (err) {
    const e = err as Error & { hint?: string }
    w.error = `day ${day} (--kind ${kind}): ${e.message}${e.hint ? `\n${e.hint}` : ''}`
  }
}

/** Runs argv under /usr/bin/time -v when present: wall time and peak RSS (KiB). */
async function measured(argv: string[], hasTime: boolean): Promise<{ ms: number; rssKiB: number | null }> {
  const r = await timed(() => run(hasTime ? ['/usr/bin/time', '-v', ...argv] : argv))
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.value.stderr)
  return { ms: r.ms, rssKiB: m ? Number(m[1]) : null }
}

/**
 * Unpacks the day's full tar from the every-day-full hub's store; from day 2 on, measures a
 * binary patch of it against the previous day's tar, applies it back and compares.
 */
async function patchDay(tars: string, full: World, day: number, hasTime: boolean): Promise<PatchRow | undefined> {
  const row = full.rows.find(r => r.day === day)
  if (!row) return undefined
  const tar = join(tars, `day-${day}.tar`)
  await run(['zstd', '-d', '-q', '-f', join(full.hubRoot, 'store', SVC, row.generation, 'data.tar.zst'), '-o', tar])
  const prev = join(tars, `day-${day - 1}.tar`)
  if (!(await fs.stat(prev).catch(() => undefined))) return undefined
  const patch = join(tars, `day-${day}.patch.zst`)
  const rebuilt = join(tars, `day-${day}.rebuilt.tar`)
  const make = await measured(['zstd', '-q', '-f', '-3', '--long=31', `--patch-from=${prev}`, tar, '-o', patch], hasTime)
  const apply = await measured(['zstd', '-d', '-q', '-f', '--long=31', `--patch-from=${prev}`, patch, '-o', rebuilt], hasTime)
  const same = (await run(['cmp', '-s', tar, rebuilt], { okCodes: [0, 1] })).exitCode === 0
  const patchBytes = (await fs.stat(patch)).size
  await Promise.all([prev, rebuilt, patch].map(f => fs.rm(f, { force: true })))
  return { day, patchBytes, makeMs: make.ms, makeRssKiB: make.rssKiB, applyMs: apply.ms, applyRssKiB: apply.rssKiB, rebuiltIdentical: same }
}

/** Raw replay: `zstd -d -c ARCHIVE | tar -x --listed-incremental=/dev/null` of each archive in order. */
async function rawReplay(archives: string[], to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true })
  for (const a of archives) {
    const z = spawnStream(['zstd', '-d', '-c', '-q', a], { stdin: 'ignore', stderr: 'inherit' })
    const x = spawnStream(extractArgs(to, { sameOwner: process.getuid?.() === 0 }), { stdout: 'ignore', stderr: 'inherit' })
    z.stdout!.pipe(x.stdin!)
    const [zr, xr] = await Promise.all([z, x])
    checkExit('zstd', zr, '')
    checkExit('tar', xr, '')
  }
}

interface RestoreRow {
  policy: string
  generation: string
  chain: string[]
  roostMs: number | null
  rawMs: number
  identical: boolean | null
  differences?: string[]
  error?: string
}

/** Restores the newest generation of the first `n` days with roost and with raw zstd | tar, and compares. */
async function restoreBoth(base: string, corpus: string, w: World, n: number): Promise<RestoreRow | undefined> {
  const rows = w.rows.slice(0, n)
  const target = rows.at(-1)
  if (!target) return undefined
  const lastFull = rows.map(r => r.kind).lastIndexOf('full')
  const chain = w.policy.kindFor(target.day) === 'full' ? [target] : rows.slice(lastFull)
  const store = join(w.hubRoot, 'store')
  const dir = join(base, 'restore', w.policy.name)
  await run(['sync'])
  const raw = await timed(() => rawReplay(chain.map(r => join(store, SVC, r.generation, 'data.tar.zst')), join(dir, 'raw')))
  const out: RestoreRow = { policy: w.policy.name, generation: target.generation, chain: chain.map(r => r.generation), roostMs: null, rawMs: raw.ms, identical: null }
  try {
    const r = await timed(() => roost(['restore', SVC, target.generation, '--from', store, '--index-key', join(w.hubRoot, 'keys', 'index_ed25519.pub'), '--to', join(dir, 'roost')]))
    out.roostMs = r.ms
    const diffs = await compareTrees(join(dir, 'raw', corpus), join(dir, 'roost', corpus), { limit: 5 })
    out.identical = diffs.length === 0
    if (diffs.length) out.differences = diffs.map(d => `${d.path}: ${d.what}`)
  } catch (err) {
    const e = err as Error & { hint?: string }
    out.error = `${e.message}${e.hint ? `: ${e.hint}` : ''}`
  }
  await fs.rm(dir, { recursive: true, force: true })
  return out
}

const mib = (n: number): string => (n / 1048576).toFixed(2)
const pad = (s: string | number, w: number): string => String(s).padStart(w)
const ratio = (a: number, b: number): string => (b ? (a / b).toFixed(2) + 'x' : '-')
const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN)

function table(days: number, changed: (number | null)[], worlds: World[], patches: PatchRow[]): string[] {
  const [f, w] = worlds as [World, World]
  const head = `day  changed | full: sent   stored    store | ${w.policy.name}: kind  sent   stored    store | patch-from  make s  RSS MiB  ok`
  const lines = [head, '-'.repeat(head.length)]
  for (let d = 1; d <= days; d++) {
    const a = f.rows.find(r => r.day === d)
    const b = w.rows.find(r => r.day === d)
    const p = patches.find(r => r.day === d)
    const c = changed[d - 1]
    lines.push(
      `${pad(d, 3)} ${pad(c === null || c === undefined ? 'all' : mib(c), 8)} |` +
        (a ? `${pad(mib(a.sent), 10)} ${pad(mib(a.stored), 8)} ${pad(mib(a.storeTotal), 8)} |` : `${pad('-', 28)} |`) +
        (b ? `${pad(b.kind, 24)} ${pad(mib(b.sent), 5)} ${pad(mib(b.stored), 8)} ${pad(mib(b.storeTotal), 8)} |` : `${pad('-', 48)} |`) +
        (p ? `${pad(mib(p.patchBytes), 11)} ${pad((p.makeMs / 1000).toFixed(1), 7)} ${pad(p.makeRssKiB === null ? '?' : (p.makeRssKiB / 1024).toFixed(0), 8)} ${p.rebuiltIdentical ? ' yes' : '  NO'}` : ''),
    )
  }
  lines.push('(MiB; "store" is the running total in the hub store; patch-from: zstd -3 --long=31 against the previous day\'s full tar)')
  return lines
}

/** Means over the days after the first: what a day of change costs under each method. */
function averages(changed: (number | null)[], worlds: World[], patches: PatchRow[]) {
  const later = (rows: DayRow[], kind?: Kind) => rows.filter(r => r.day > 1 && (!kind || r.kind === kind))
  const ch = (day: number): number => changed[day - 1] ?? NaN
  const per = (rows: DayRow[]) => ({ days: rows.length, changed: mean(rows.map(r => ch(r.day))), sent: mean(rows.map(r => r.sent)), stored: mean(rows.map(r => r.stored)) })
  return {
    [worlds[0]!.policy.name]: per(later(worlds[0]!.rows)),
    [`${worlds[1]!.policy.name} (incr days)`]: per(later(worlds[1]!.rows, 'incr')),
    'patch-from (at rest)': { days: patches.length, changed: mean(patches.map(p => ch(p.day))), sent: NaN, stored: mean(patches.map(p => p.patchBytes)) },
  }
}

interface Run {
  sizeMib: string
  base: string
  corpus: string
  days: number
  seed: string
  hasTime: boolean
  say: (s: string) => void
}

/** Day by day: mutate, back up under each policy, measure the binary patch. */
async function simulate(r: Run, worlds: World[]): Promise<{ changed: (number | null)[]; patches: PatchRow[] }> {
  const tars = join(r.base, 'tars')
  await fs.mkdir(tars)
  const changed: (number | null)[] = []
  const patches: PatchRow[] = []
  for (let day = 1; day <= r.days; day++) {
    if (day > 1) {
      const m = await run(['bash', join(CORPUS, 'mutate.sh'), r.corpus, String(day - 1), r.seed])
      changed.push(Number((JSON.parse(m.stdout) as { bytes_changed: number }).bytes_changed))
    } else changed.push(null)
    await run(['sync'])
    for (const w of worlds) await backupDay(w, day)
    const p = process.argv.includes('--no-patch') ? undefined : await patchDay(tars, worlds[0]!, day, r.hasTime)
    if (p) patches.push(p)
    r.say(`day ${day}: ${worlds.map(w => (w.error ? `${w.policy.name} FAILED` : `${w.policy.name} ${w.rows.at(-1)?.kind} sent ${formatBytes(w.rows.at(-1)!.sent)}`)).join(', ')}`)
  }
  return { changed, patches }
}

/** Prints the table, the per-day means next to restic's figure, the restores; returns the summary. */
function report(r: Run, worlds: World[], changed: (number | null)[], patches: PatchRow[], restores: RestoreRow[]) {
  const say = r.say
  say('')
  for (const l of table(r.days, changed, worlds, patches)) say(l)
  say('')
  const avg = averages(changed, worlds, patches)
  say(`per day of change (means over days 2..${r.days}):`)
  for (const [k, v] of Object.entries(avg)) {
    if (!v.days) say(`  ${k.padEnd(30)} no such day measured`)
    else say(`  ${k.padEnd(30)} changed ${mib(v.changed)} MiB, ${Number.isNaN(v.sent) ? '' : `sent ${mib(v.sent)} MiB (${ratio(v.sent, v.changed)} of changed), `}stored ${mib(v.stored)} MiB (${ratio(v.stored, v.changed)} of changed)`)
  }
  say(`  restic 0.14 (corpus README)    changed ${RESTIC.changedMiB} MiB, stored ${RESTIC.storedMiB.join('–')} MiB (${RESTIC.storedMiB.map(s => (s / RESTIC.changedMiB).toFixed(2)).join('–')}x of changed)`)
  say('')
  for (const x of restores) {
    say(`restore ${x.policy} ${x.generation} (${x.chain.length} archives): roost restore ${x.roostMs === null ? `FAILED: ${x.error}` : `${(x.roostMs / 1000).toFixed(2)} s`}, raw zstd -d | tar -x ${(x.rawMs / 1000).toFixed(2)} s${x.roostMs === null ? '' : `, ratio ${ratio(x.roostMs, x.rawMs)}, trees identical: ${x.identical}`}`)
    if (x.differences) say(`  first differences: ${x.differences.join('; ')}`)
  }
  for (const w of worlds) if (w.error) say(`${w.policy.name} stopped: ${w.error}`)
  const complete = worlds.every(w => !w.error && w.rows.length === r.days) && restores.every(x => x.roostMs !== null && x.identical)
  const policies = Object.fromEntries(worlds.map(w => [w.policy.name, { rows: w.rows, ...(w.error ? { error: w.error } : {}) }]))
  return { corpus: { sizeMib: Number(r.sizeMib), seed: r.seed, days: r.days }, complete, changed, policies, patchFrom: patches, averages: avg, restores, restic: RESTIC, peakRss: r.hasTime ? 'from /usr/bin/time -v' : 'not measured (/usr/bin/time missing)' }
}

async function main(): Promise<void> {
  const sizeMib = arg('--size', '1024')
  const base = resolve(arg('--dir', await fs.mkdtemp(join(tmpdir(), 'roost-generations-'))))
  await fs.mkdir(base, { recursive: true })
  if ((await fs.readdir(base)).length) throw new Error(`${base} is not empty: give a new --dir`)
  const say = (s: string): void => void process.stdout.write(s + '\n')
  const r: Run = { sizeMib, base, corpus: join(base, 'corpus'), days: Number(arg('--days', '14')), seed: arg('--seed', '42'), hasTime: Boolean(await fs.stat('/usr/bin/time').catch(() => undefined)), say }
  say(`roost generations benchmark — corpus ${sizeMib} MiB (seed ${r.seed}), ${r.days} days, work folder ${base}`)
  await run(['bash', join(CORPUS, 'corpus.sh'), r.corpus, sizeMib, r.seed])
  const worlds: World[] = []
  try {
    for (const p of POLICIES) worlds.push(await startWorld(base, p, r.corpus))
    const { changed, patches } = await simulate(r, worlds)
    const restores = [await restoreBoth(base, r.corpus, worlds[1]!, 7), await restoreBoth(base, r.corpus, worlds[0]!, 7)].filter(x => x !== undefined)
    const summary = report(r, worlds, changed, patches, restores)
    await writeResults(base, summary, say)
  } finally {
    await stopHubs(worlds)
  }
}

main().catch((err: unknown) => {
  const e = err as Error & { hint?: string }
  process.stderr.write(`benchmark failed: ${e.message.slice(0, 2000)}${e.hint ? `\n${e.hint}` : ''}\n`)
  process.exitCode = 1
})

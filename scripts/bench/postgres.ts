/**
 * PostgreSQL dump benchmark (issue 4): a ~1 GiB database of pgbench's tables at scale 68 (its
 * rows, with 84 hex characters of `filler` instead of blanks) in a throw-away cluster (run as
 * user postgres, Unix socket only), then, each next to the raw tool:
 *  (a) `pg_dump -Fc` with its default compression and with `-Z 0`: time and size;
 *  (b) `pg_restore` of each into a fresh database: time;
 *  (c) `roost spoke run --kind full` with scripts/hooks/postgres-dump as the pre hook, through a
 *      real hub on loopback: time per step and wire bytes (`sent` of `--json`, rsync's total);
 *  (d) 1% of the rows changed (`UPDATE pgbench_accounts … WHERE aid % 100 = 0`), then
 *      `--kind incr`: time and wire bytes: the rsync delta against the previous generation;
 *  (d') then 1% more rows appended (INSERT), `--kind incr` again;
 *  (d'') then 1% of the rows updated in one run of ids (a hot region), `--kind incr` again;
 *  (e) `roost restore --hooks` of that chain (scripts/hooks/postgres-restore) vs pg_restore
 *      alone, and whether the accounts came back identical;
 *  (f) what a running pg_dump blocks (lockDemo).
 * (c) and (d) run twice, with PG_DUMP_COMPRESS=0 (the hook's default) and =6 (pg_dump's own
 * default level), each to its own hub. Prints a table and a JSON summary (also written to
 * results.json); asserts nothing. Heavy (~15 minutes on 2 cores, ~10 GiB of disk): not part of
 * the test suite. Times on a shared machine vary: run it twice before trusting a difference.
 * One file, longer than most: it is a script read top to bottom, not a module.
 *
 *   node dist/scripts/bench/postgres.js [--scale 68] [--dir DIR] [--keep]
 * (without a build: node --import=./node_modules/@tapjs/typescript/dist/esm/import.mjs scripts/bench/postgres.ts)
 */
import { promises as fs, existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { run, type ResultPromise } from '../../lib/proc/run.js'
import { dumpYaml, loadConfig } from '../../lib/config/load.js'
import { arg, serveHub, stopHubs, timed, writeResults } from './common.js'

/** The repository: the nearest folder above this file with a package.json (works from dist/ and from source). */
function findRepo(): string {
  let d = resolve(fileURLToPath(new URL('.', import.meta.url)))
  while (!existsSync(join(d, 'package.json')) && d !== resolve(d, '..')) d = resolve(d, '..')
  return d
}
const REPO = findRepo()
const ROOST = join(REPO, 'dist', 'roost.js')
const HOOKS = join(REPO, 'scripts', 'hooks')
const SVC = 'pg'



/** The newest installed PostgreSQL's bin folder (Debian layout). */
function pgBin(): string {
  const base = '/usr/lib/postgresql'
  const majors = existsSync(base) ? readdirSync(base).filter(v => /^\d+$/.test(v)).map(Number) : []
  return join(base, String(majors.sort((a, b) => b - a)[0] ?? 15), 'bin')
}

interface Cluster {
  env: Record<string, string>
  /** Runs a PostgreSQL tool as postgres (we are root) with the cluster's libpq env. */
  tool(name: string, args: string[], o?: { input?: string }): Promise<string>
  psql(sql: string, db?: string): Promise<string>
  stop(): Promise<void>
}

/** initdb + start, as postgres, on a socket in DIR/sock; default settings (fsync on). */
async function startCluster(dir: string): Promise<Cluster> {
  const bin = pgBin()
  const data = join(dir, 'data')
  const sock = join(dir, 'sock')
  await fs.mkdir(data, { recursive: true, mode: 0o700 })
  await fs.mkdir(sock)
  await run(['chown', '-R', 'postgres:postgres', dir])
  await fs.chmod(dir, 0o755)
  const port = '5433'
  const env = { PGHOST: sock, PGPORT: port, PGUSER: 'postgres' }
  const asPg = (argv: string[]) => (process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv] : argv)
  const tool = async (name: string, args: string[], o: { input?: string } = {}) =>
    (await run(asPg([join(bin, name), ...args]), { cwd: dir, env, what: name, ...(o.input !== undefined ? { input: o.input } : {}) })).stdout
  await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C'])
  await fs.appendFile(join(data, 'postgresql.conf'), `\nlisten_addresses = ''\nport = ${port}\nunix_socket_directories = '${sock}'\nmax_wal_size = '2GB'\n`)
  await tool('pg_ctl', ['start', '-w', '-t', '120', '-D', data, '-l', join(dir, 'postgres.log')])
  return {
    env,
    tool,
    psql: (sql, db = 'postgres') => tool('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', db, '-f', '-'], { input: sql }).then(s => s.trim()),
    stop: () => tool('pg_ctl', ['stop', '-w', '-t', '120', '-m', 'fast', '-D', data]).then(() => undefined),
  }
}

/**
 * What a running pg_dump blocks: 2 s into a dump (-Fc, default compression: the longest),
 * times a read and an UPDATE of pgbench_accounts, an ALTER TABLE of pgbench_history, and a
 * SELECT of pgbench_history started 1 s after that ALTER (it queues behind the waiting ALTER).
 */
async function lockDemo(pg: Cluster, file: string) {
  const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))
  const dump = timed(() => pg.tool('pg_dump', ['-Fc', '-f', file, 'bench']))
  await sleep(2000)
  const read = await timed(() => pg.psql('SELECT count(*) FROM pgbench_branches', 'bench'))
  const write = await timed(() => pg.psql('UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1', 'bench'))
  const alter = timed(() => pg.psql('ALTER TABLE pgbench_history ADD COLUMN note text', 'bench'))
  await sleep(1000)
  const queued = timed(() => pg.psql('SELECT count(*) FROM pgbench_history', 'bench'))
  const [d, a, q] = await Promise.all([dump, alter, queued])
  await pg.psql('ALTER TABLE pgbench_history DROP COLUMN note; UPDATE pgbench_accounts SET abalance = abalance - 1 WHERE aid = 1', 'bench')
  return { dumpMs: d.ms, readMs: read.ms, writeMs: write.ms, alterMs: a.ms, queuedMs: q.ms }
}

const roost = (args: string[], env: Record<string, string> = {}) =>
  run([process.execPath, ROOST, ...args], { env: { ROOST_LOG_LEVEL: 'warn', ...env }, what: `roost ${args.slice(0, 2).join(' ')}` })

interface World {
  name: string
  hubRoot: string
  config: string
  hub: ResultPromise
  hubLog: () => string
}

/** A hub and a spoke whose source is DUMPS, with the postgres hooks (PG_DUMP_COMPRESS=level). */
async function startWorld(base: string, name: string, dumps: string, env: Record<string, string>): Promise<World> {
  const dir = join(base, name)
  const hubRoot = join(dir, 'hub')
  const hubYaml = join(hubRoot, 'hub.yaml')
  await roost(['hub', 'init', hubRoot, '--port', '0'])
  const { hub, hubLog, port } = await serveHub(ROOST, hubRoot, name)
  const spokeDir = join(dir, 'spoke')
  await fs.mkdir(dumps, { recursive: true })
  await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${port}`, '--source', dumps, '--dir', spokeDir])
  const key = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  await roost(['hub', 'add-service', SVC, '--key', key, '--config', hubYaml])
  const config = join(spokeDir, 'spoke.yaml')
  const y = await loadConfig(z.record(z.string(), z.unknown()), config)
  const hookEnv = { ...env, DUMP_DIR: dumps }
  const hooks = {
    pre: [{ name: 'pg-dump', run: [join(HOOKS, 'postgres-dump')], timeout: '30m', env: hookEnv }],
    restore: [{ name: 'pg-restore', run: [join(HOOKS, 'postgres-restore')], timeout: '30m', env: hookEnv }],
  }
  await fs.writeFile(config, dumpYaml({ ...y, hooks }))
  return { name, hubRoot, config, hub, hubLog }
}

interface GenRow {
  world: string
  kind: string
  generation: string
  ms: number
  steps: Record<string, number>
  tarBytes: number
  sent: number
  literal: number
  matched: number
  stored: number
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0
  for (const e of await fs.readdir(dir, { withFileTypes: true })) if (e.isFile()) n += (await fs.stat(join(dir, e.name))).size
  return n
}

async function generation(w: World, kind: 'full' | 'incr'): Promise<GenRow> {
  await run(['sync'])
  const r = await timed(() => roost(['spoke', 'run', '--kind', kind, '--json', '--config', w.config]))
  const j = JSON.parse(r.value.stdout) as { generation: string; kind: string; bytes: number; sent: number; literal: number; matched: number; ms: Record<string, number> }
  const stored = await dirBytes(join(w.hubRoot, 'store', SVC, j.generation))
  return { world: w.name, kind: j.kind, generation: j.generation, ms: r.ms, steps: j.ms, tarBytes: j.bytes, sent: j.sent, literal: j.literal, matched: j.matched, stored }
}

const mib = (n: number): string => (n / 1048576).toFixed(1)
const sec = (ms: number): string => (ms / 1000).toFixed(1)
const pad = (s: string | number, w: number): string => String(s).padStart(w)

async function main(): Promise<void> {
  const scale = arg('--scale', '68')
  const base = resolve(arg('--dir', await fs.mkdtemp(join(tmpdir(), 'roost-pgbench-'))))
  await fs.mkdir(base, { recursive: true })
  if ((await fs.readdir(base)).length) throw new Error(`${base} is not empty: give a new --dir`)
  await fs.chmod(base, 0o755)
  const say = (s: string): void => void process.stdout.write(s + '\n')
  say(`roost PostgreSQL benchmark — pgbench scale ${scale}, work folder ${base}; load ${(await fs.readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`)
  const pg = await startCluster(join(base, 'pg'))
  const worlds: World[] = []
  try {
    await pg.psql('CREATE DATABASE bench')
    // pgbench's own rows have a blank `filler` (its data compresses ~70x, which says nothing
    // about compression or deltas): the same tables and sizes, with 84 hex characters of filler
    // (md5 text: about 2x compressible, like much real data).
    const init = await timed(async () => {
      await pg.tool('pgbench', ['-i', '-q', '-I', 'dt', '-s', scale, 'bench'])
      await pg.psql(
        `INSERT INTO pgbench_branches (bid, bbalance) SELECT g, 0 FROM generate_series(1, ${Number(scale)}) g;
         INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT g, (g - 1) / 10 + 1, 0 FROM generate_series(1, ${Number(scale) * 10}) g;
         INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
           SELECT g, (g - 1) / 100000 + 1, 0, left(md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text), 84)
           FROM generate_series(1, ${Number(scale) * 100000}) g;`,
        'bench',
      )
      await pg.tool('pgbench', ['-i', '-q', '-I', 'vp', '-s', scale, 'bench'])
    })
    const dbBytes = Number(await pg.psql("SELECT pg_database_size('bench')"))
    say(`pgbench tables at scale ${scale} (md5 filler): ${sec(init.ms)} s, database ${mib(dbBytes)} MiB`)
    const checksum = () => pg.psql("SELECT count(*) || ' ' || sum(abalance) || ' ' || md5(string_agg(aid || ':' || abalance, ',' ORDER BY aid)) FROM pgbench_accounts", 'bench')

    // (a) and (b): the raw tools. The dump files go where the postgres user can write.
    const raw = join(base, 'raw')
    await fs.mkdir(raw)
    await run(['chown', 'postgres:postgres', raw])
    const rawRows: { what: string; ms: number; bytes?: number }[] = []
    for (const [label, z] of [['pg_dump -Fc (default -Z)', []], ['pg_dump -Fc -Z 0', ['-Z', '0']]] as const) {
      const file = join(raw, z.length ? 'z0.dump' : 'zdefault.dump')
      await run(['sync'])
      const d = await timed(() => pg.tool('pg_dump', ['-Fc', ...z, '-f', file, 'bench']))
      rawRows.push({ what: label, ms: d.ms, bytes: (await fs.stat(file)).size })
      say(`${label}: ${sec(d.ms)} s, ${mib((await fs.stat(file)).size)} MiB`)
    }
    for (const name of ['zdefault.dump', 'z0.dump']) {
      await pg.psql('DROP DATABASE IF EXISTS restored; CREATE DATABASE restored')
      const r = await timed(() => pg.tool('pg_restore', ['--exit-on-error', '-d', 'restored', join(raw, name)]))
      rawRows.push({ what: `pg_restore of ${name} into a fresh database`, ms: r.ms })
      say(`pg_restore ${name}: ${sec(r.ms)} s`)
    }
    await pg.psql('DROP DATABASE restored')
    const locks = await lockDemo(pg, join(raw, 'locks.dump'))
    say(`during a ${sec(locks.dumpMs)} s pg_dump: a read took ${locks.readMs} ms, an UPDATE ${locks.writeMs} ms, ALTER TABLE waited ${sec(locks.alterMs)} s, a SELECT queued behind that ALTER ${sec(locks.queuedMs)} s`)
    await fs.rm(raw, { recursive: true })

    // (c) and (d): roost, with the dump uncompressed (the hook's default) and compressed.
    const variants = [
      { name: 'Z0', compress: '0' },
      { name: 'Z6', compress: '6' },
    ]
    for (const v of variants) worlds.push(await startWorld(base, v.name, join(base, `dumps-${v.name}`), { ...pg.env, PG_DUMP_COMPRESS: v.compress }))
    const gens: GenRow[] = []
    for (const w of worlds) {
      gens.push(await generation(w, 'full'))
      say(`full ${w.name}: ${sec(gens.at(-1)!.ms)} s, sent ${mib(gens.at(-1)!.sent)} MiB`)
    }
    const upd = await timed(() => pg.psql('UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid % 100 = 0', 'bench'))
    const changedRows = Number(await pg.psql('SELECT count(*) FROM pgbench_accounts WHERE aid % 100 = 0', 'bench'))
    say(`UPDATE of ${changedRows} rows (1%): ${sec(upd.ms)} s`)
    for (const w of worlds) {
      gens.push(await generation(w, 'incr'))
      say(`incr ${w.name}: ${sec(gens.at(-1)!.ms)} s, sent ${mib(gens.at(-1)!.sent)} MiB`)
    }
    const ins = await timed(() =>
      pg.psql(
        `INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
           SELECT g, 1, 0, left(md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text), 84)
           FROM generate_series(${Number(scale) * 100000 + 1}, ${Number(scale) * 101000}) g`,
        'bench',
      ),
    )
    say(`INSERT of ${Number(scale) * 1000} rows (1% more): ${sec(ins.ms)} s`)
    for (const w of worlds) {
      gens.push({ ...(await generation(w, 'incr')), kind: 'incr+ins' })
      say(`incr (after the insert) ${w.name}: ${sec(gens.at(-1)!.ms)} s, sent ${mib(gens.at(-1)!.sent)} MiB`)
    }
    const span = Number(scale) * 1000
    const clu = await timed(() => pg.psql(`UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN ${span * 40 + 1} AND ${span * 41}`, 'bench'))
    say(`UPDATE of ${span} consecutive rows (1%, in the middle of the table): ${sec(clu.ms)} s`)
    for (const w of worlds) {
      gens.push({ ...(await generation(w, 'incr')), kind: 'incr+clu' })
      say(`incr (after the clustered update) ${w.name}: ${sec(gens.at(-1)!.ms)} s, sent ${mib(gens.at(-1)!.sent)} MiB`)
    }
    const before = await checksum()

    // (e) restore the Z0 chain into the same server (the hook drops and recreates each database).
    const w0 = worlds[0]!
    await pg.psql('DROP DATABASE bench')
    await run(['sync'])
    const rr = await timed(() => roost(['restore', SVC, '--from', 'hub', '--config', w0.config, '--to', join(base, 'restored'), '--hooks', w0.config, '--json']))
    const rj = JSON.parse(rr.value.stdout) as { generation: string; hooks: { name: string; ms: number; ok: boolean }[] }
    const hookMs = rj.hooks.reduce((a, h) => a + h.ms, 0)
    const after = await checksum()
    say(`roost restore --hooks (${rj.generation}): ${sec(rr.ms)} s, of which the restore hook ${sec(hookMs)} s; accounts identical: ${before === after}`)

    say('')
    const head = `${'generation'.padEnd(14)} ${pad('total s', 8)} ${pad('pre s', 7)} ${pad('archive s', 10)} ${pad('upload s', 9)} ${pad('verdict s', 10)} ${pad('tar MiB', 9)} ${pad('sent MiB', 9)} ${pad('sent %', 7)} ${pad('stored MiB', 11)}`
    say(head)
    say('-'.repeat(head.length))
    for (const g of gens) {
      const s = (k: string) => pad(g.steps[k] === undefined ? '-' : sec(g.steps[k]!), 0)
      say(`${`${g.kind} ${g.world}`.padEnd(14)} ${pad(sec(g.ms), 8)} ${pad(s('pre'), 7)} ${pad(s('archive'), 10)} ${pad(s('upload'), 9)} ${pad(s('verdict'), 10)} ${pad(mib(g.tarBytes), 9)} ${pad(mib(g.sent), 9)} ${pad(((100 * g.sent) / g.tarBytes).toFixed(1), 7)} ${pad(mib(g.stored), 11)}`)
    }
    say('(incr: after an UPDATE of 1% of the rows, spread (every 100th); incr+ins: after then INSERTing 1% more rows; incr+clu: after then an UPDATE of 1% of the rows, consecutive; Z0: PG_DUMP_COMPRESS=0, the hook\'s default; Z6: pg_dump -Fc -Z 6; sent: rsync\'s total bytes sent for data.tar + manifest, compressed on the wire; stored: data.tar.zst + manifest in the hub store)')
    say('')
    for (const r of rawRows) say(`${r.what.padEnd(48)} ${pad(sec(r.ms), 7)} s${r.bytes ? ` ${pad(mib(r.bytes), 8)} MiB` : ''}`)
    say(`${'roost restore --hooks (hub → files → pg_restore)'.padEnd(48)} ${pad(sec(rr.ms), 7)} s (restore hook ${sec(hookMs)} s)`)
    const summary = { scale: Number(scale), databaseBytes: dbBytes, initMs: init.ms, raw: rawRows, generations: gens, update: { rows: changedRows, ms: upd.ms }, insert: { rows: Number(scale) * 1000, ms: ins.ms }, clusteredUpdate: { rows: span, ms: clu.ms }, locks, restore: { ms: rr.ms, hookMs, identical: before === after } }
    await writeResults(base, summary, say)
  } finally {
    await stopHubs(worlds)
    await pg.stop().catch(() => undefined)
    if (!process.argv.includes('--keep')) await fs.rm(base, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  const e = err as Error & { hint?: string }
  process.stderr.write(`benchmark failed: ${e.message.slice(0, 2000)}${e.hint ? `\n${e.hint}` : ''}\n`)
  process.exitCode = 1
})

/**
 * PostgreSQL point-in-time recovery through roost, end to end with a real cluster: WAL archived
 * by scripts/hooks/postgres-wal-archive into a spool, a base backup on the full generation and a
 * WAL switch on the incr (scripts/hooks/postgres-base-backup), then the cluster deleted and
 * rebuilt from the hub by `roost restore --hooks` with scripts/hooks/postgres-pitr-restore, to a
 * time between two transactions, and again to the end of the WAL; then by hand, to a time in
 * the gap before a full (docs/databases/postgresql-pitr.md).
 */
import t from 'tap'
import { existsSync, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { execa } from 'execa'
import { REPO } from '../helpers/roost.js'
import { startSpokeWorld, type SpokeWorld } from '../helpers/spoke-world.js'
import { startPostgres, PG_BIN, type PgCluster } from '../helpers/postgres.js'

const HOOKS = join(REPO, 'scripts', 'hooks')
const RESTORE = join(HOOKS, 'postgres-pitr-restore')
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

/** A server time (with its zone) a little over a second after now and before the next commit. */
async function between(pg: PgCluster): Promise<string> {
  await sleep(1100)
  const at = await pg.psql('SELECT clock_timestamp()::text')
  await sleep(1100)
  return at
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  return { uid: Number((await execa('id', ['-u', 'postgres'])).stdout), gid: Number((await execa('id', ['-g', 'postgres'])).stdout) }
}

t.test('postgres-wal-archive stores a segment once and never replaces it', async t => {
  const dir = t.testdir({ 'seg-a': 'first content', 'seg-b': 'other content', spool: {} })
  const spool = join(dir, 'spool')
  const archive = (src: string) => execa(join(HOOKS, 'postgres-wal-archive'), [join(dir, src), '000000010000000000000007', spool], { reject: false })
  t.equal((await archive('seg-a')).exitCode, 0, 'a new name is stored')
  t.equal(await fs.readFile(join(spool, '000000010000000000000007'), 'utf8'), 'first content')
  t.equal((await archive('seg-a')).exitCode, 0, 'the same content again is a success (PostgreSQL may re-archive after a crash)')
  const other = await archive('seg-b')
  t.not(other.exitCode, 0, 'other content under a stored name is a failure')
  t.match(other.stderr, /exists with different content/)
  t.equal(await fs.readFile(join(spool, '000000010000000000000007'), 'utf8'), 'first content', 'and the stored file is unchanged')
  t.same(await fs.readdir(spool), ['000000010000000000000007'], 'no temporary file is left')
})

t.test('recovers a cluster to a point in time between two transactions, from the hub', async t => {
  // not t.testdir(): tap removes that before the teardown runs, and a server started by the
  // restore hook must be stopped through its data directory first
  const dir = await fs.mkdtemp(join(tmpdir(), 'roost-pitr-'))
  let pg: PgCluster | undefined
  let w: SpokeWorld | undefined
  t.teardown(async () => {
    await pg?.remove()
    await w?.stop()
    await fs.rm(dir, { recursive: true, force: true })
  })
  const spool = join(dir, 'spool')
  const wal = join(spool, 'wal')
  await fs.mkdir(wal, { recursive: true })
  const { uid, gid } = await postgresIds()
  for (const p of [spool, wal]) await fs.chown(p, uid, gid)
  pg = await startPostgres(join(dir, 'pg'), {
    conf: ['wal_level = replica', 'archive_mode = on', `archive_command = '${join(HOOKS, 'postgres-wal-archive')} %p %f ${wal}'`, 'archive_timeout = 0'],
  })
  await pg.psql('CREATE TABLE t (v text PRIMARY KEY)')

  const env = { ...pg.env, PITR_DIR: spool, PG_BINDIR: PG_BIN }
  const hookEnv = (extra: Record<string, string>) => ({ PITR_DIR: spool, PGDATA_TARGET: pg!.dataDir, PITR_START: '1', PG_BINDIR: PG_BIN, ...extra })
  w = await startSpokeWorld(dir, {
    service: 'pg',
    sources: [spool],
    excludes: ['.tmp.*'],
    // as in the docs: run as postgres, which peer authentication and the spool's owner want
    hooks: {
      pre: [{ name: 'base-backup', run: ['runuser', '-u', 'postgres', '--', join(HOOKS, 'postgres-base-backup')], env, timeout: '5m' }],
      // the target time is given at restore time: roost restore --hook-env PITR_TARGET_TIME=…
      restore: [{ name: 'pitr', run: [RESTORE], timeout: '5m', env: hookEnv({}) }],
    },
  })

  const full = await w.run(['--kind', 'full'])
  t.equal(full.r.exitCode, 0, 'a full generation is made (base backup)', { stderr: full.r.stderr.slice(-2000) })
  t.equal(full.json.kind, 'full')
  t.ok((await fs.stat(join(spool, 'base', 'base.tar'))).isFile(), 'the full made a base backup')

  await pg.psql("INSERT INTO t VALUES ('A')")
  const target = await between(pg)
  await pg.psql("INSERT INTO t VALUES ('B')")
  const incr = await w.run(['--kind', 'incr'])
  t.equal(incr.r.exitCode, 0, 'an incr generation is made (WAL switch)', { stderr: incr.r.stderr.slice(-2000) })
  t.equal(incr.json.kind, 'incr')

  // C and D land after the incr's WAL switch and before the next full's base backup: the gap
  await pg.psql("INSERT INTO t VALUES ('C')")
  const inGap = await between(pg)
  await pg.psql("INSERT INTO t VALUES ('D')")
  const gapSegment = await pg.psql('SELECT pg_walfile_name(pg_current_wal_lsn())')
  const incrSwitch = (await fs.readFile(join(spool, 'last-switch'), 'utf8')).trim()
  const full2 = await w.run(['--kind', 'full'])
  t.equal(full2.r.exitCode, 0, 'a second full is made', { stderr: full2.r.stderr.slice(-2000) })
  const walFiles = (await fs.readdir(wal)).sort()
  const history = walFiles.filter(f => f.endsWith('.backup'))
  t.equal(history.length, 1, `one backup history file: ${walFiles.join(' ')}`)
  const start = history[0]!.slice(0, 24)
  t.ok(gapSegment < start && walFiles.includes(gapSegment), `the second full keeps ${gapSegment}, archived since the incr, though older than its base backup (${start})`)
  t.ok(walFiles.every(f => f.slice(0, 24) >= incrSwitch), `and nothing older than the incr's last segment (${incrSwitch}): ${walFiles.join(' ')}`)

  // the cluster is lost
  await pg.stop('immediate')
  await fs.rm(pg.dataDir, { recursive: true, force: true })

  const lose = async () => {
    await pg!.stop('fast')
    await fs.rm(pg!.dataDir, { recursive: true, force: true })
  }

  // to a time between A and B, from the incr's chain
  const toT = join(dir, 'to-t')
  const r1 = await w.restore(toT, [incr.json.generation, '--hooks', w.config, '--hook-env', `PITR_TARGET_TIME=${target}`, '--json'])
  t.equal(r1.exitCode, 0, 'roost restore with the PITR hook, to the target time', { stderr: r1.stderr.slice(-3000) })
  t.equal(await pg.psql('SELECT v FROM t ORDER BY v'), 'A', `recovered to ${target}: A, not B`)
  t.equal(await pg.psql('SELECT pg_is_in_recovery()'), 'f', 'promoted after reaching the target')
  await lose()

  // to the end of the WAL, from the newest generation (the second full)
  const toEnd = join(dir, 'to-end')
  const r2 = await w.restore(toEnd, ['--hooks', w.config, '--json'])
  t.equal(r2.exitCode, 0, 'roost restore with the PITR hook, to the end of the WAL', { stderr: r2.stderr.slice(-3000) })
  t.equal(await pg.psql('SELECT v FROM t ORDER BY v'), 'A\nB\nC\nD', 'recovered to the end of the WAL: every row')
  await lose()

  // by hand: a time in the gap is before the second full's base backup, which says so ...
  const early = await execa(RESTORE, [], { reject: false, env: hookEnv({ ROOST_RESTORE_DIR: toEnd, PITR_TARGET_TIME: inGap }) })
  t.not(early.exitCode, 0, 'the second full cannot reach a time before its base backup')
  t.match(early.stderr, /started at .* after the target/)
  t.notOk(existsSync(pg.dataDir), 'and nothing was written')
  // ... and is reached from the incr's chain with the gap's WAL from the second full (the docs' bridge)
  const rel = spool.slice(1)
  await execa('cp', ['-n', '-p', '--', ...(await fs.readdir(join(toEnd, rel, 'wal'))).map(f => join(toEnd, rel, 'wal', f)), join(toT, rel, 'wal')])
  const bridged = await execa(RESTORE, [], { reject: false, env: hookEnv({ ROOST_RESTORE_DIR: toT, PITR_TARGET_TIME: inGap }) })
  t.equal(bridged.exitCode, 0, 'the hook run by hand recovers across the bridge', { stderr: bridged.stderr.slice(-3000) })
  t.equal(await pg.psql('SELECT v FROM t ORDER BY v'), 'A\nB\nC', `recovered to ${inGap}: A, B and C, not D`)
})

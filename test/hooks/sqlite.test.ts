/**
 * scripts/hooks/sqlite-backup and sqlite-restore with writers that never pause: one database in
 * WAL mode, one in rollback-journal mode, each written by its own python3 process committing
 * transactions back to back (each inserts row n into `a` and its sha256 into `b`). The copies
 * roost archives must pass integrity_check and hold a consistent prefix: rows 1..N with no gap,
 * in both tables, each `b` row matching its `a` row. Then the writers stop, the databases are
 * destroyed, and `roost restore --hooks` must put back exactly what the backup held.
 */
import t, { type Test } from 'tap'
import { execa, type ResultPromise } from 'execa'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { REPO, waitFor } from '../helpers/roost.js'
import { startSpokeWorld } from '../helpers/spoke-world.js'

const HOOKS = join(REPO, 'scripts', 'hooks')

/** argv: database, journal mode, stop file. Seeds ~8 MB of filler so a copy takes many steps. */
const WRITER = String.raw`
import hashlib, os, sqlite3, sys, time
path, mode, stop = sys.argv[1:4]
con = sqlite3.connect(path, timeout=60, isolation_level=None)
con.execute('PRAGMA journal_mode=' + mode)
con.execute('PRAGMA synchronous=NORMAL')
con.execute('CREATE TABLE filler (id INTEGER PRIMARY KEY, x BLOB NOT NULL)')
con.execute('CREATE TABLE a (id INTEGER PRIMARY KEY, label TEXT NOT NULL, payload BLOB NOT NULL)')
con.execute('CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL, sha TEXT NOT NULL)')
con.execute('BEGIN')
for i in range(8000):
    con.execute('INSERT INTO filler VALUES (?, ?)', (i, os.urandom(1000)))
con.execute('COMMIT')
n = 0
while not os.path.exists(stop):
    n += 1
    p = os.urandom(300 + n % 200)
    con.execute('BEGIN IMMEDIATE')
    con.execute('INSERT INTO a VALUES (?, ?, ?)', (n, 'row %d ✓ ü 東京' % n, p))
    con.execute('INSERT INTO b VALUES (?, ?, ?)', (n, n, hashlib.sha256(p).hexdigest()))
    con.execute('COMMIT')
    time.sleep(0.001)
print(n, flush=True)
`

async function sqlite(db: string, ...commands: string[]): Promise<string> {
  const r = await execa('sqlite3', ['-bail', db, '.timeout 20000', ...commands], { reject: false })
  if (r.exitCode !== 0) throw new Error(`sqlite3 ${db}: ${r.stderr}`)
  return r.stdout
}

const rowCount = async (db: string) => Number((await sqlite(db, 'SELECT count(*) FROM a')).trim())

/** Asserts a copy is whole and a consistent prefix of the writer's transactions; returns N. */
async function checkPrefix(t: Test, copy: string, what: string): Promise<number> {
  t.equal((await sqlite(copy, 'PRAGMA integrity_check')).trim(), 'ok', `${what}: integrity_check`)
  const [na = 0, mina, maxa, nb, maxb, joined] = (await sqlite(copy, '.mode list', '.separator " "',
    'SELECT (SELECT count(*) FROM a), (SELECT coalesce(min(id), 0) FROM a), (SELECT coalesce(max(id), 0) FROM a), ' +
    '(SELECT count(*) FROM b), (SELECT coalesce(max(id), 0) FROM b), (SELECT count(*) FROM a JOIN b ON b.id = a.id AND b.a_id = a.id)'))
    .trim().split(' ').map(Number)
  t.ok(na > 0, `${what}: has rows`)
  t.same({ min: mina, max: maxa, b: nb, maxb, joined }, { min: 1, max: na, b: na, maxb: na, joined: na }, `${what}: rows 1..${na} in a and in b, no gaps, none half-done`)
  const rows = (await sqlite(copy, '.mode list', '.separator " "', 'SELECT a.id, hex(a.payload), b.sha FROM a JOIN b USING (id) ORDER BY a.id')).trim().split('\n')
  const bad = rows.filter(l => {
    const [, hex, sha] = l.split(' ')
    return createHash('sha256').update(Buffer.from(hex ?? '', 'hex')).digest('hex') !== sha
  })
  t.equal(bad.length, 0, `${what}: every b row matches its a row`)
  return na
}

const dumpOf = async (db: string) => createHash('sha256').update(await sqlite(db, '.dump')).digest('hex')

t.test('sqlite-backup makes consistent copies under live writers; sqlite-restore puts them back', async t => {
  const dir = t.testdir()
  const appDir = join(dir, 'app')
  const dumpDir = join(dir, 'dumps')
  await fs.mkdir(appDir)
  const walDb = join(appDir, 'live.db')
  const journalDb = join(appDir, 'journal.db')
  const stop = join(dir, 'stop-writers')
  const writers: ResultPromise[] = [
    execa('python3', ['-c', WRITER, walDb, 'wal', stop], { reject: false }),
    execa('python3', ['-c', WRITER, journalDb, 'delete', stop], { reject: false }),
  ]
  t.teardown(async () => {
    // the test folder may already be gone (its own teardown): no stop file here, just kill
    for (const w of writers) w.kill('SIGKILL')
    await Promise.all(writers)
  })

  const w = await startSpokeWorld(dir, {
    service: 'sqlite',
    sources: [dumpDir],
    hooks: {
      pre: [{ name: 'sqlite-backup', run: [join(HOOKS, 'sqlite-backup'), walDb, journalDb], timeout: '60s', env: { DUMP_DIR: dumpDir, SQLITE_BUSY_TIMEOUT_MS: '20000' } }],
      restore: [{ name: 'sqlite-restore', run: [join(HOOKS, 'sqlite-restore')], timeout: '60s', env: { DUMP_DIR: dumpDir, SQLITE_DBS: `${walDb}:${journalDb}` } }],
    },
  })
  t.teardown(() => w.stop())

  // Both writers are past their seed and committing.
  await waitFor(async () => (await rowCount(walDb).catch(() => 0)) > 200 && (await rowCount(journalDb).catch(() => 0)) > 200, 30_000, 'the writers')
  const before = { wal: await rowCount(walDb), journal: await rowCount(journalDb) }
  const run = await w.run()
  t.equal(run.r.exitCode, 0, run.r.stderr)
  const after = { wal: await rowCount(walDb), journal: await rowCount(journalDb) }
  t.ok(after.wal > before.wal && after.journal > before.journal, 'the writers kept committing while roost ran')

  const copies = { wal: join(dumpDir, 'live.db'), journal: join(dumpDir, 'journal.db') }
  const n = {
    wal: await checkPrefix(t, copies.wal, 'WAL copy'),
    journal: await checkPrefix(t, copies.journal, 'rollback-journal copy'),
  }
  t.ok(n.wal >= before.wal && n.wal <= after.wal, `WAL copy holds ${n.wal} rows: all committed before the run (${before.wal}), none after it (${after.wal})`)
  t.ok(n.journal >= before.journal && n.journal <= after.journal, `journal copy holds ${n.journal} rows: between ${before.journal} and ${after.journal}`)
  const expected = { wal: await dumpOf(copies.wal), journal: await dumpOf(copies.journal) }

  // Stop the writers, then destroy: the WAL database and its -wal/-shm are deleted; the other is
  // overwritten with junk, which the restore must keep aside.
  await fs.writeFile(stop, '')
  const finals = await Promise.all(writers)
  for (const f of finals) t.equal(f.exitCode, 0, String(f.stderr))
  t.ok(Number(String(finals[0]!.stdout).trim()) > n.wal, 'the WAL writer went on after the copy')
  for (const suffix of ['', '-wal', '-shm']) await fs.rm(walDb + suffix, { force: true })
  await fs.writeFile(journalDb, 'junk, not a database')

  const to = join(dir, 'restored')
  const rr = await w.restore(to, ['--hooks', w.config, '--json'])
  t.equal(rr.exitCode, 0, rr.stderr)
  t.same((await fs.readdir(join(to, dumpDir))).sort(), ['journal.db', 'live.db'])
  for (const k of ['wal', 'journal'] as const) {
    const db = k === 'wal' ? walDb : journalDb
    t.equal((await sqlite(db, 'PRAGMA integrity_check')).trim(), 'ok', `${k}: restored database is whole`)
    t.equal(await rowCount(db), n[k], `${k}: ${n[k]} rows back`)
    t.equal(await dumpOf(db), expected[k], `${k}: every row and the schema as the backup held them`)
  }
  t.equal((await sqlite(walDb, 'PRAGMA journal_mode')).trim(), 'wal', 'the WAL database is still in WAL mode')
  const aside = (await fs.readdir(appDir)).filter(f => f.startsWith('journal.db.before-restore-'))
  t.equal(aside.length, 1, 'the junk file was kept aside')
  t.equal(await fs.readFile(join(appDir, aside[0] ?? 'missing'), 'utf8'), 'junk, not a database')
})

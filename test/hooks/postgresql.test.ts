/**
 * scripts/hooks/postgres-dump and postgres-restore against a real PostgreSQL cluster, through
 * roost: two databases (tables, a sequence, an index, a view, a role with grants, non-ASCII
 * text, NULLs, bytea) dumped by the pre hook into a dump folder that is the service's source;
 * a full, then changes and an incr; the cluster wiped and made anew; `roost restore --hooks`
 * loads the dumps; every row of every table, the sequences, the role and its grants compared.
 * Then the failures: no server, and one database whose dump cannot take its lock.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { z } from 'zod'
import { execa } from 'execa'
import { dumpYaml, loadConfig } from '../../lib/config/load.js'
import { REPO } from '../helpers/roost.js'
import { startSpokeWorld, type HookSpec } from '../helpers/spoke-world.js'
import { startPostgres, type PgCluster } from '../helpers/postgres.js'

const DUMP_HOOK = join(REPO, 'scripts', 'hooks', 'postgres-dump')
const RESTORE_HOOK = join(REPO, 'scripts', 'hooks', 'postgres-restore')
const NOTES = 'café notes'

const SETUP = `
CREATE ROLE reporter LOGIN PASSWORD 'r3port-ø';
CREATE DATABASE shop;
CREATE DATABASE "${NOTES}";
CREATE DATABASE scratch;
`
const SHOP = `
CREATE SEQUENCE invoice_no START 1000;
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text, photo bytea);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id),
  amount numeric(10,2), note text, placed timestamptz NOT NULL);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE VIEW big_orders AS
  SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.amount > 900;
INSERT INTO customers (name, email, photo)
  SELECT 'Kunde ' || g || ' Zoë Ærøskøbing 東京 🚲',
         CASE WHEN g % 7 = 0 THEN NULL ELSE 'c' || g || '@example.org' END,
         CASE WHEN g % 5 = 0 THEN NULL ELSE decode('00ff' || md5(g::text) || '0a00', 'hex') END
  FROM generate_series(1, 2000) g;
INSERT INTO orders (customer_id, amount, note, placed)
  SELECT 1 + g % 2000, (g * 37 % 1000) + 0.25, CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || g || E'\\ttab' END,
         '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 20000) g;
SELECT nextval('invoice_no') FROM generate_series(1, 5);
GRANT SELECT ON orders, big_orders TO reporter;
GRANT USAGE ON SEQUENCE invoice_no TO reporter;
`
const NOTES_SQL = `
CREATE TABLE pages (id int PRIMARY KEY, title text NOT NULL, body text, tags text[]);
INSERT INTO pages SELECT g, 'Überschrift ' || g || ' – ½ ✓', CASE WHEN g % 4 = 0 THEN NULL ELSE repeat('Ελληνικά ', g % 50) END,
  CASE WHEN g % 6 = 0 THEN NULL ELSE ARRAY['a' || g, NULL, 'ß'] END
  FROM generate_series(1, 3000) g;
CREATE TABLE empty_table (id int PRIMARY KEY, x text);
`
const CHANGES = `
UPDATE customers SET email = 'changed-' || id || '@example.org' WHERE id % 10 = 0;
DELETE FROM orders WHERE id % 50 = 0;
INSERT INTO orders (customer_id, amount, note, placed) VALUES (1, 999.99, 'after the full ✓', '2026-02-01 00:00:00+00');
SELECT nextval('invoice_no') FROM generate_series(1, 3);
`

/** Everything the restore must bring back, as plain data (row counts and md5 of every row of every table). */
async function fingerprint(pg: PgCluster): Promise<Record<string, string>> {
  const q = async (sql: string, db = 'postgres') => (await pg.psql(sql, db)).trim()
  const f: Record<string, string> = {
    databases: await q('SELECT string_agg(datname, \',\' ORDER BY datname) FROM pg_database WHERE NOT datistemplate'),
    roles: await q("SELECT string_agg(concat_ws('|', rolname, rolsuper, rolcanlogin, rolpassword), ',' ORDER BY rolname) FROM pg_authid WHERE rolname !~ '^pg_'"),
  }
  for (const db of ['shop', NOTES]) {
    const tables = (await q("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", db)).split(',')
    f[`${db}: tables`] = tables.join(',')
    for (const table of tables) {
      f[`${db}: ${table}`] = await q(`SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '-') FROM public."${table}" t`, db)
    }
    f[`${db}: sequences`] = await q("SELECT string_agg(sequencename || '=' || coalesce(last_value::text, 'unused'), ',' ORDER BY sequencename) FROM pg_sequences", db)
    f[`${db}: indexes`] = await q("SELECT string_agg(indexdef, ';' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'", db)
    f[`${db}: views`] = await q("SELECT coalesce(string_agg(viewname || ':' || definition, ';' ORDER BY viewname), '') FROM pg_views WHERE schemaname = 'public'", db)
    f[`${db}: acl`] = await q("SELECT string_agg(relname || '=' || coalesce(relacl::text, '-') || '/' || pg_get_userbyid(relowner), ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace", db)
  }
  f['shop: big_orders'] = await q("SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY id)) FROM big_orders v", 'shop')
  return f
}

/** The message of roost's final JSON error line on stderr. */
function errorMessage(stderr: string): string {
  const last = stderr.trim().split('\n').pop() ?? ''
  try {
    return (JSON.parse(last) as { error: { message: string } }).error.message
  } catch {
    return last
  }
}

async function storeGenerations(hubRoot: string, service: string): Promise<string[]> {
  const names = await fs.readdir(join(hubRoot, 'store', service)).catch(() => [] as string[])
  return names.filter(n => /^\d{8}T\d{6}/.test(n)).sort()
}

/** Rewrites the pre hook of the spoke.yaml (its env, for the failure cases). */
async function setPreHook(config: string, hook: HookSpec): Promise<void> {
  const yaml = await loadConfig(z.object({ hooks: z.record(z.string(), z.unknown()) }).passthrough(), config)
  await fs.writeFile(config, dumpYaml({ ...yaml, hooks: { ...yaml.hooks, pre: [hook] } }))
}

t.test('dumps a PostgreSQL cluster through roost and restores every row into a new cluster', async t => {
  // not t.testdir(): tap removes that before the teardown runs, while the server (and the hub)
  // may still be writing into it; stop them first, then remove the folder
  const dir = await fs.mkdtemp(join(tmpdir(), 'roost-pg-'))
  let pg: PgCluster | undefined
  let w: Awaited<ReturnType<typeof startSpokeWorld>> | undefined
  t.teardown(async () => {
    await pg?.remove()
    await w?.stop()
    await fs.rm(dir, { recursive: true, force: true })
  })
  const pgDir = join(dir, 'pg')
  pg = await startPostgres(pgDir)
  await pg.psql(SETUP)
  await pg.psql(SHOP, 'shop')
  await pg.psql(NOTES_SQL, NOTES)
  await pg.psql('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);', 'scratch')

  const dumps = join(dir, 'dumps')
  await fs.mkdir(dumps)
  const env = { ...pg.env, DUMP_DIR: dumps }
  const pre: HookSpec = { name: 'pg-dump', run: [DUMP_HOOK], timeout: '2m', env }
  w = await startSpokeWorld(join(dir, 'world'), {
    service: 'pg',
    sources: [dumps],
    hooks: { pre: [pre], restore: [{ name: 'pg-restore', run: [RESTORE_HOOK], timeout: '2m', env }] },
  })

  const full = await w.run(['--kind', 'full'])
  t.equal(full.r.exitCode, 0, full.r.stderr)
  t.equal(full.json.kind, 'full')
  t.same((await fs.readdir(dumps)).sort(), ['caf%C3%A9%20notes.dump', 'globals.sql', 'postgres.dump', 'scratch.dump', 'shop.dump'], 'one dump a database, the name escaped, no temporary file left')

  await pg.psql(CHANGES, 'shop')
  await pg.psql('DROP DATABASE scratch')
  const incr = await w.run(['--kind', 'incr'])
  t.equal(incr.r.exitCode, 0, incr.r.stderr)
  t.equal(incr.json.kind, 'incr')
  t.notOk((await fs.readdir(dumps)).includes('scratch.dump'), 'the dump of a dropped database is removed')
  // Every run rewrites every dump, so the newest incr alone holds all of them (docs rely on it).
  const listing = await execa('zstd', ['-dc', join(w.hub.root, 'store', 'pg', incr.json.generation, 'data.tar.zst')]).pipe('tar', ['-t'])
  const rel = dumps.slice(1)
  t.same(listing.stdout.split('\n').filter(n => n.startsWith(`${rel}/`) && !n.endsWith('/')).sort(), ['caf%C3%A9%20notes.dump', 'globals.sql', 'postgres.dump', 'shop.dump'].map(n => `${rel}/${n}`), 'the incr carries every dump')
  const before = await fingerprint(pg)
  t.match(before['shop: sequences'], /invoice_no=1007/)

  // The strongest loss: the whole cluster gone, a new one made by initdb (same socket and port).
  const port = pg.port
  await pg.remove()
  pg = await startPostgres(pgDir, { port })
  t.equal(await pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'shop'"), '0', 'the new cluster is empty')

  const to = join(dir, 'restored')
  const rr = await w.restore(to, ['--hooks', w.config, '--json'])
  t.equal(rr.exitCode, 0, rr.stderr)
  const result = JSON.parse(rr.stdout) as { generation: string; hooks: { name: string; ok: boolean }[] }
  t.equal(result.generation, incr.json.generation, 'the newest generation is restored')
  t.same(result.hooks.map(h => [h.name, h.ok]), [['pg-restore', true]])

  const after = await fingerprint(pg)
  t.same(after, before, 'every table, sequence, index, view, role and grant as before')
  t.notOk(after.databases?.split(',').includes('scratch'), 'the dropped database stays dropped')
  t.equal(await pg.psql("SELECT email FROM customers WHERE id = 20", 'shop'), 'changed-20@example.org', 'the incr\'s changes are there')
  t.equal(await pg.psql("SELECT encode(photo, 'hex') FROM customers WHERE id = 1", 'shop'), `00ff${'c4ca4238a0b923820dcc509a6f75849b'}0a00`, 'bytea byte for byte')
  t.equal(await pg.psql("SET ROLE reporter; SELECT count(*) FROM big_orders WHERE amount = 999.99;", 'shop'), '1', 'the role reads what it was granted')
  await t.rejects(pg.psql('SET ROLE reporter; SELECT count(*) FROM customers;', 'shop'), /permission denied/, 'and nothing more')
  t.equal(await pg.psql("SELECT nextval('invoice_no')", 'shop'), '1008', 'the sequence continues where it was')

  t.test('a pre hook that cannot reach the server fails the run and sends no generation', async t => {
    const gens = await storeGenerations(w.hub.root, 'pg')
    t.equal(gens.length, 2)
    await setPreHook(w.config, { ...pre, env: { ...env, PGPORT: String(port + 1) } })
    const { r } = await w.run()
    t.equal(r.exitCode, 1)
    t.match(errorMessage(r.stderr), /^pre hook 'pg-dump' exited 1: postgres-dump: cannot list the databases on .*: psql: error: connection to server on socket/)
    t.same(await storeGenerations(w.hub.root, 'pg'), gens, 'no new generation in the store')
  })

  t.test('a database whose dump fails is named, and no generation is sent', async t => {
    const gens = await storeGenerations(w.hub.root, 'pg')
    await setPreHook(w.config, { ...pre, env: { ...env, PG_DUMP_LOCK_WAIT_TIMEOUT: '1s' } })
    // Hold an exclusive lock on one table of shop while the hook runs (DDL does this).
    const locker = pg.psql("SET application_name = 'locker'; BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120);", 'shop').catch(() => '')
    try {
      for (let i = 0; i < 100 && (await pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'locker' AND wait_event = 'PgSleep'")) !== '1'; i++) {
        await new Promise(r => setTimeout(r, 100))
      }
      const { r } = await w.run()
      t.equal(r.exitCode, 1)
      t.match(errorMessage(r.stderr), /^pre hook 'pg-dump' exited 1: postgres-dump: dump failed for database\(s\) "shop" on .*: pg_dump: error: query failed: ERROR:  canceling statement due to statement timeout/)
      t.same(await storeGenerations(w.hub.root, 'pg'), gens, 'no new generation in the store')
      t.ok((await fs.readdir(dumps)).includes('shop.dump'), 'the last good dump is kept under its name')
      t.notOk((await fs.readdir(dumps)).some(n => n.endsWith('.partial')), 'no partial dump left')
    } finally {
      await pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'")
      await locker
    }
  })
})

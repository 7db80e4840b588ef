/**
 * scripts/hooks/mysql-dump and mysql-restore against a real MariaDB: two databases (InnoDB,
 * utf8mb4 text, NULLs, BLOBs, a trigger, routines, an event, a view) and a third that is dropped
 * between generations; two generations through a real hub; then the server is stopped, its data
 * folder wiped and initialised afresh, and `roost restore --hooks` must bring back every row,
 * routine, trigger, event, view and account as they were at the second generation.
 *
 * The server runs as root on a Unix socket in a short temp folder (socket paths are limited to
 * 108 bytes), with real grants: root by unix_socket, the dump account by password from an option
 * file. It is stopped in teardown, by the pid in its pid file, even when the test fails.
 */
import t from 'tap'
import { execa, type ResultPromise } from 'execa'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO } from '../helpers/roost.js'
import { startSpokeWorld } from '../helpers/spoke-world.js'

const HOOKS = join(REPO, 'scripts', 'hooks')
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

interface Maria {
  socket: string
  /** Runs SQL as root (unix_socket); returns stdout (batch, no column names). */
  sql(q: string): Promise<string>
  start(): Promise<void>
  stop(): Promise<void>
  /** Stops the server, deletes its data folder and initialises an empty one. */
  wipe(): Promise<void>
}

function mariadb(root: string): Maria {
  const datadir = join(root, 'data')
  const socket = join(root, 'sock')
  const pidFile = join(root, 'mariadbd.pid')
  let child: ResultPromise | undefined
  const sql = async (q: string) => {
    const r = await execa('mariadb', ['--no-defaults', `--socket=${socket}`, '--user=root', '--default-character-set=utf8mb4', '--batch', '--skip-column-names', '-e', q], { reject: false })
    if (r.exitCode !== 0) throw new Error(`mariadb: ${r.stderr}\n-- in: ${q.slice(0, 500)}`)
    return r.stdout
  }
  const init = async () => {
    await execa('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${datadir}`, '--skip-test-db', '--auth-root-authentication-method=socket', '--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M'])
  }
  const m: Maria = {
    socket,
    sql,
    async start() {
      child = execa('mariadbd', ['--no-defaults', '--user=root', `--datadir=${datadir}`, `--socket=${socket}`, '--skip-networking', `--pid-file=${pidFile}`, `--log-error=${join(root, 'error.log')}`, '--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M', '--innodb-flush-log-at-trx-commit=2', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci'], { reject: false, stdio: 'ignore' })
      let exited = false
      void child.then(() => (exited = true))
      const end = Date.now() + 30_000
      for (;;) {
        if (exited) throw new Error(`mariadbd exited early: ${await fs.readFile(join(root, 'error.log'), 'utf8').catch(() => '')}`)
        if (await sql('SELECT 1').then(() => true, () => false)) return
        if (Date.now() > end) throw new Error('mariadbd did not accept connections within 30 s')
        await sleep(100)
      }
    },
    async stop() {
      const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim()) || child?.pid
      if (!pid) return
      try {
        process.kill(pid, 'SIGTERM')
      } catch {
        return // not running
      }
      const gone = async () => {
        try {
          process.kill(pid, 0)
          return false
        } catch {
          return true
        }
      }
      const end = Date.now() + 20_000
      while (!(await gone()) && Date.now() < end) await sleep(100)
      if (!(await gone())) process.kill(pid, 'SIGKILL')
      if (child) await child
      child = undefined
    },
    async wipe() {
      await m.stop()
      await fs.rm(datadir, { recursive: true, force: true })
      await init()
    },
  }
  return Object.assign(m, { init })
}

const SCHEMA = String.raw`
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop; -- the seq_1_to_N tables (Sequence engine) resolve in the current database
CREATE TABLE shop.customers (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(100) NOT NULL, email VARCHAR(200) NULL,
  order_count INT NOT NULL DEFAULT 0) ENGINE=InnoDB;
CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL,
  note TEXT NULL, created DATETIME(6) NOT NULL, FOREIGN KEY (customer_id) REFERENCES shop.customers (id)) ENGINE=InnoDB;
CREATE TABLE shop.files (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, data LONGBLOB NULL) ENGINE=InnoDB;
CREATE TRIGGER shop.orders_count AFTER INSERT ON shop.orders FOR EACH ROW
  UPDATE shop.customers SET order_count = order_count + 1 WHERE id = NEW.customer_id;
CREATE PROCEDURE shop.add_order(IN cid INT, IN amt DECIMAL(10,2))
  INSERT INTO shop.orders (customer_id, amount, note, created) VALUES (cid, amt, 'via add_order', NOW(6));
CREATE EVENT shop.purge_notes ON SCHEDULE EVERY 1 DAY DISABLE
  DO UPDATE shop.orders SET note = NULL WHERE created < NOW() - INTERVAL 1 YEAR;
CREATE VIEW shop.customer_totals AS SELECT c.id, c.name, COUNT(o.id) AS n, SUM(o.amount) AS total
  FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id GROUP BY c.id, c.name;
INSERT INTO shop.customers (name, email) SELECT CONCAT('Kunde ', seq, ' Größe ✓ 東京 😀'),
  IF(seq % 3 = 0, NULL, CONCAT('c', seq, '@example.org')) FROM seq_1_to_500;
INSERT INTO shop.orders (customer_id, amount, note, created) SELECT 1 + seq % 500, seq * 1.25,
  IF(seq % 4 = 0, NULL, CONCAT('note «', seq, '»\n\ttab ''quote'' \\ back')), '2026-01-02 03:04:05.123456' + INTERVAL seq MINUTE
  FROM seq_1_to_3000;
INSERT INTO shop.files SELECT seq, CONCAT('f', seq), RANDOM_BYTES(1024) FROM seq_1_to_40;
INSERT INTO shop.files VALUES (41, 'edge bytes', UNHEX('00275C0D0A1A22FF00')), (42, 'null', NULL), (43, 'empty', '');
CREATE DATABASE ${'`wiki-é`'} CHARACTER SET utf8mb4;
CREATE TABLE ${'`wiki-é`'}.pages (id BIGINT PRIMARY KEY, title VARCHAR(255) NOT NULL, body MEDIUMTEXT, rev INT NOT NULL,
  updated TIMESTAMP NULL DEFAULT NULL) ENGINE=InnoDB;
CREATE TABLE ${'`wiki-é`'}.links (from_id BIGINT NOT NULL, to_id BIGINT NOT NULL, label VARCHAR(40) NULL,
  PRIMARY KEY (from_id, to_id)) ENGINE=InnoDB;
CREATE FUNCTION ${'`wiki-é`'}.slug(s VARCHAR(255)) RETURNS VARCHAR(255) DETERMINISTIC RETURN LOWER(REPLACE(s, ' ', '-'));
INSERT INTO ${'`wiki-é`'}.pages SELECT seq, CONCAT('Seite ', seq, ' — ÅÄÖ ü ñ Ωμέγα'), REPEAT(CONCAT('Text ', seq, ' 🚀 '), 50),
  seq % 7, IF(seq % 5 = 0, NULL, '2026-03-04 05:06:07')
  FROM seq_1_to_800;
INSERT INTO ${'`wiki-é`'}.links SELECT seq, 1 + (seq * 7) % 800, IF(seq % 2 = 0, NULL, 'see also') FROM seq_1_to_800;
CREATE DATABASE scratch;
CREATE TABLE scratch.t (id INT PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO scratch.t SELECT seq FROM seq_1_to_10;
CREATE USER 'roost'@'localhost' IDENTIFIED BY 'dump pass ''with'' quotes';
GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON *.* TO 'roost'@'localhost';
CREATE USER 'shopapp'@'%' IDENTIFIED BY 'app-secret';
GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON shop.* TO 'shopapp'@'%';
`

const CHANGES = String.raw`
USE shop;
UPDATE shop.customers SET email = NULL, name = CONCAT(name, ' (geändert)') WHERE id % 10 = 0;
DELETE FROM shop.orders WHERE id % 9 = 0;
CALL shop.add_order(7, 99.99);
CALL shop.add_order(8, 0.01);
UPDATE shop.files SET data = RANDOM_BYTES(2048) WHERE id <= 5;
CREATE TABLE shop.added (k VARCHAR(10) PRIMARY KEY, v JSON) ENGINE=InnoDB;
INSERT INTO shop.added VALUES ('a', '{"x": [1, 2, "ü"]}'), ('b', NULL);
INSERT INTO ${'`wiki-é`'}.pages VALUES (801, 'Neu', 'neu ✨', 1, NULL);
DELETE FROM ${'`wiki-é`'}.links WHERE from_id > 700;
DROP DATABASE scratch;
GRANT CREATE TEMPORARY TABLES ON shop.* TO 'shopapp'@'%';
`

const DBS = "('shop','wiki-é','scratch')"

/** Per table and view: row count and sha256 over every column of every row, ordered by key. */
async function fingerprint(m: Maria): Promise<Record<string, { rows: number; sha256: string }>> {
  const tables = (await m.sql(`SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ${DBS} ORDER BY 1, 2`))
    .split('\n').filter(Boolean).map(l => l.split('\t') as [string, string])
  const out: Record<string, { rows: number; sha256: string }> = {}
  for (const [db, table] of tables) {
    const where = `TABLE_SCHEMA = '${db}' AND TABLE_NAME = '${table}'`
    const cols = (await m.sql(`SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE ${where} ORDER BY ORDINAL_POSITION`)).split('\n').filter(Boolean)
    const pk = (await m.sql(`SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE ${where} AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`)).split('\n').filter(Boolean)
    const q = (c: string) => '`' + c + '`'
    const order = (pk.length ? pk : cols).map(q).join(', ')
    const text = await m.sql(`SELECT CONCAT_WS(',', ${cols.map(c => `IFNULL(HEX(${q(c)}), 'NULL')`).join(', ')}) FROM ${q(db)}.${q(table)} ORDER BY ${order}`)
    const lines = text.split('\n').filter(Boolean)
    out[`${db}.${table}`] = { rows: lines.length, sha256: createHash('sha256').update(text).digest('hex') }
  }
  return out
}

/** Definitions of everything besides rows: columns, routines, triggers, events, views. */
async function schemaObjects(m: Maria): Promise<Record<string, string>> {
  const q = {
    tables: `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ${DBS} ORDER BY 1, 2`,
    columns: `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ${DBS} ORDER BY 1, 2, ORDINAL_POSITION`,
    routines: `SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION, DEFINER, IS_DETERMINISTIC FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN ${DBS} ORDER BY 1, 2`,
    triggers: `SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN ${DBS} ORDER BY 1, 2`,
    events: `SELECT EVENT_SCHEMA, EVENT_NAME, EVENT_DEFINITION, INTERVAL_VALUE, INTERVAL_FIELD, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA IN ${DBS} ORDER BY 1, 2`,
    views: `SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ${DBS} ORDER BY 1, 2`,
    databases: `SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA ORDER BY 1`,
    accounts: `SELECT User, Host FROM mysql.user ORDER BY 1, 2`,
    grants: "SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE LIKE '%roost%' OR GRANTEE LIKE '%shopapp%' UNION ALL SELECT GRANTEE, CONCAT(TABLE_SCHEMA, ':', PRIVILEGE_TYPE) FROM information_schema.SCHEMA_PRIVILEGES ORDER BY 1, 2",
  }
  const out: Record<string, string> = {}
  for (const [k, sql] of Object.entries(q)) out[k] = await m.sql(sql)
  return out
}

t.test('mysql-dump and mysql-restore bring back every row, routine, trigger, event, view and account after the data folder is wiped', async t => {
  const dir = t.testdir()
  const root = await fs.mkdtemp(join(tmpdir(), 'roost-maria-'))
  const m = mariadb(root) as Maria & { init(): Promise<void> }
  t.teardown(async () => {
    await m.stop()
    await fs.rm(root, { recursive: true, force: true })
  })
  await m.init()
  await m.start()
  await m.sql(SCHEMA)

  const dumpDir = join(dir, 'dumps')
  const defaults = join(root, 'roost.cnf')
  await fs.writeFile(defaults, "[client]\npassword=\"dump pass 'with' quotes\"\n", { mode: 0o600 })
  const conn = { DUMP_DIR: dumpDir, MYSQL_SOCKET: m.socket }
  const w = await startSpokeWorld(dir, {
    service: 'mariadb',
    sources: [dumpDir],
    hooks: {
      pre: [{ name: 'mysql-dump', run: [join(HOOKS, 'mysql-dump')], timeout: '2m', env: { ...conn, MYSQL_USER: 'roost', MYSQL_DEFAULTS_FILE: defaults } }],
      restore: [{ name: 'mysql-restore', run: [join(HOOKS, 'mysql-restore')], timeout: '2m', env: { ...conn, MYSQL_USER: 'root' } }],
    },
  })
  t.teardown(() => w.stop())

  const first = await w.run()
  t.equal(first.r.exitCode, 0, first.r.stderr)
  t.same((await fs.readdir(dumpDir)).sort(), ['scratch.sql', 'shop.sql', 'system.users.sql', 'wiki-%C3%A9.sql'], 'one dump a database, names encoded, users apart')

  await m.sql(CHANGES)
  const second = await w.run()
  t.equal(second.r.exitCode, 0, second.r.stderr)
  t.not(second.json.generation, first.json.generation)
  t.same((await fs.readdir(dumpDir)).sort(), ['shop.sql', 'system.users.sql', 'wiki-%C3%A9.sql'], 'the dump of the dropped database is gone')
  const rows = await fingerprint(m)
  const objects = await schemaObjects(m)
  t.equal(rows['shop.orders']?.rows, 3000 - 333 + 2)
  t.match(objects.routines, /add_order/)
  t.match(objects.triggers, /orders_count/)
  t.match(objects.events, /purge_notes/)
  t.match(objects.views, /customer_totals/)

  // Destroy: stop the server, delete its data folder, start an empty one.
  await m.wipe()
  await m.start()
  t.notMatch(await m.sql('SHOW DATABASES'), /shop/, 'the wiped server has no shop')

  const to = join(dir, 'restored')
  const rr = await w.restore(to, ['--hooks', w.config, '--json'])
  t.equal(rr.exitCode, 0, rr.stderr)
  t.same((await fs.readdir(join(to, dumpDir))).sort(), ['shop.sql', 'system.users.sql', 'wiki-%C3%A9.sql'], 'the restored tree of the second generation')

  t.same(await fingerprint(m), rows, 'every row of every table and view, as at the second generation')
  t.same(await schemaObjects(m), objects, 'columns, routines, triggers, events, views, databases, accounts and grants')

  // They work, not just exist: the procedure inserts, the trigger counts, the function runs,
  // and the dump account logs in with its restored password.
  const before = Number(await m.sql('SELECT order_count FROM shop.customers WHERE id = 3'))
  await m.sql('CALL shop.add_order(3, 1.50)')
  t.equal(Number(await m.sql('SELECT order_count FROM shop.customers WHERE id = 3')), before + 1, 'the trigger fires')
  t.equal((await m.sql("SELECT `wiki-é`.slug('Hello World')")).trim(), 'hello-world')
  const who = await execa('mariadb', [`--defaults-extra-file=${defaults}`, `--socket=${m.socket}`, '--user=roost', '--batch', '--skip-column-names', '-e', 'SELECT CURRENT_USER()'], { reject: false })
  t.equal(who.stdout.trim(), 'roost@localhost', who.stderr)
})

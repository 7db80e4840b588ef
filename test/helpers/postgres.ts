/**
 * A real, throw-away PostgreSQL cluster for tests: initdb into DIR/data as user postgres
 * (PostgreSQL refuses to run as root), listening only on a Unix socket (listen_addresses='').
 * Every server command runs as postgres through `runuser -u postgres --` when we are root.
 * Test settings: fsync=off, shared_buffers=64MB (later `conf` lines override them). The
 * socket folder is DIR/sock, or /tmp/roost-pg-<hash of DIR> when that path would be too long
 * for a socket. The caller stops it in teardown: `t.teardown(() => pg.remove())` (stop, and
 * delete the data, the log and the socket folder), or `pg.stop()`.
 */
import { execa } from 'execa'
import { createHash } from 'node:crypto'
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

/** The newest installed PostgreSQL's bin folder (Debian layout); 15 when none is found. */
function findPgBin(): string {
  const base = '/usr/lib/postgresql'
  // Read once at import: a test helper, and the constant is part of the shared API.
  const majors = existsSync(base) ? readdirSync(base).filter(v => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'initdb'))) : []
  const newest = majors.map(Number).sort((a, b) => b - a)[0]
  return join(base, String(newest ?? 15), 'bin')
}

export const PG_BIN = findPgBin()

export interface PgCluster {
  /** The cluster's data directory, owned by postgres, mode 0700. */
  dataDir: string
  /** The Unix socket folder (owned by postgres); use as PGHOST. */
  socketDir: string
  /** The port number in the socket's name (no TCP listener). */
  port: number
  /** {PGHOST, PGPORT, PGUSER} for libpq clients. */
  env: Record<string, string>
  /** The server log (pg_ctl -l). */
  logFile: string
  /** Runs SQL through `psql -XAtq -v ON_ERROR_STOP=1` as postgres (statements one by one, from stdin); returns stdout without its final newline; throws on an error. */
  psql(sql: string, db?: string): Promise<string>
  /** Runs a PostgreSQL client or server tool from PG_BIN as postgres; throws on a non-zero exit. */
  exec(tool: string, args: string[], o?: { input?: string; timeout?: number }): Promise<{ stdout: string; stderr: string }>
  /** pg_ctl start -w. */
  start(): Promise<void>
  /**
   * pg_ctl stop -w -m MODE (default fast); a no-op when the server is not running. A server
   * whose data directory was deleted under it is stopped by the pid it had at start.
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  /** True when pg_ctl status finds a running server. */
  running(): Promise<boolean>
  /** Stops the server and deletes the data directory, the log and the socket folder. */
  remove(): Promise<void>
}

export interface PgOptions {
  /** Lines appended to postgresql.conf (after the helper's own, so they win). */
  conf?: string[]
  /** The port (socket name); default a random one in 5400-7399. Pass the old one to make a cluster again in the same DIR with the same env. */
  port?: number
}

const IS_ROOT = process.getuid?.() === 0

/** Whether PID is still the postmaster of DATADIR (alive, not a zombie). */
function isPostmaster(pid: number, dataDir: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return false
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir)
  } catch {
    return false
  }
}

/** argv that runs `cmd args` as postgres (directly when we are not root). */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return IS_ROOT ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
}

async function pgUid(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await execa('id', ['-u', 'postgres'])
  const { stdout: g } = await execa('id', ['-g', 'postgres'])
  return { uid: Number(stdout), gid: Number(g) }
}

/** Gives others search (x) permission on DIR and its ancestors where missing, so postgres can reach DIR. */
async function makeTraversable(dir: string): Promise<void> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await fs.stat(d)
    if ((st.mode & 0o001) === 0) await fs.chmod(d, (st.mode & 0o7777) | 0o011)
    if (d === dirname(d)) break
  }
}

/**
 * A socket folder whose socket path fits the ~107-byte Unix limit: DIR/sock, or else a folder
 * in os.tmpdir() named after DIR's hash (the same DIR gets the same folder, so a cluster made
 * again in DIR with the same port has the same PGHOST).
 */
async function socketFolder(dir: string, port: number): Promise<string> {
  let path = join(dir, 'sock')
  if (`${path}/.s.PGSQL.${port}.lock`.length >= 100) path = join(tmpdir(), `roost-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`)
  await fs.mkdir(path, { recursive: true })
  return path
}

/**
 * initdb (as postgres, -A trust, --no-sync, UTF8, locale C) into DIR/data; appends `o.conf`
 * lines to postgresql.conf (after ours, so they win). Does not start the server.
 */
export async function initPostgres(dir: string, o: PgOptions = {}): Promise<PgCluster> {
  dir = resolve(dir)
  await fs.mkdir(dir, { recursive: true })
  await makeTraversable(dir)
  const { uid, gid } = await pgUid()
  const port = o.port ?? 5400 + Math.floor(Math.random() * 2000)
  const dataDir = join(dir, 'data')
  const logFile = join(dir, 'postgres.log')
  const socketDir = await socketFolder(dir, port)
  await fs.mkdir(dataDir, { mode: 0o700 })
  await fs.writeFile(logFile, '')
  for (const p of [dataDir, logFile, socketDir]) await fs.chown(p, uid, gid)
  await fs.chmod(dataDir, 0o700)
  await fs.chmod(socketDir, 0o755)

  const run = async (cmd: string, args: string[], opts: { input?: string; timeout?: number } = {}) => {
    const [c, a] = asPostgres(cmd, args)
    const r = await execa(c, a, { reject: false, input: opts.input, timeout: opts.timeout ?? 120_000, cwd: tmpdir(), env: { LC_ALL: 'C.UTF-8' } })
    if (r.exitCode !== 0) {
      throw new Error(`${cmd.split('/').pop()} ${args.join(' ')} exited ${r.exitCode}: ${String(r.stderr).slice(-3000)}`)
    }
    return { stdout: String(r.stdout), stderr: String(r.stderr) }
  }
  const tool = (name: string) => join(PG_BIN, name)

  await run(tool('initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '--encoding=UTF8', '--locale=C'])
  const conf = [
    '',
    '# roost test cluster',
    "listen_addresses = ''",
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    'fsync = off',
    'full_page_writes = on',
    "shared_buffers = '64MB'",
    ...(o.conf ?? []),
    '',
  ]
  await fs.appendFile(join(dataDir, 'postgresql.conf'), conf.join('\n'))

  let postmaster: number | undefined
  const pg: PgCluster = {
    dataDir,
    socketDir,
    port,
    logFile,
    env: { PGHOST: socketDir, PGPORT: String(port), PGUSER: 'postgres' },
    async psql(sql, db = 'postgres') {
      const args = ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', db, '-f', '-']
      return (await run(tool('psql'), args, { input: sql })).stdout
    },
    exec: (name, args, opts) => run(tool(name), args, opts),
    async start() {
      try {
        await run(tool('pg_ctl'), ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile], { timeout: 90_000 })
      } catch (err) {
        const log = await fs.readFile(logFile, 'utf8').catch(() => '')
        throw new Error(`${(err as Error).message}\nserver log:\n${log.slice(-3000)}`)
      }
      postmaster = Number((await fs.readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
    },
    async running() {
      const [c, a] = asPostgres(tool('pg_ctl'), ['status', '-D', dataDir])
      const r = await execa(c, a, { reject: false, cwd: tmpdir() })
      return r.exitCode === 0
    },
    async stop(mode = 'fast') {
      if (existsSync(join(dataDir, 'postmaster.pid')) && (await pg.running())) {
        await run(tool('pg_ctl'), ['stop', '-w', '-t', '60', '-m', mode, '-D', dataDir], { timeout: 90_000 })
      } else if (postmaster && isPostmaster(postmaster, dataDir)) {
        // The data directory went away under a running server (a test's folder removed
        // before this teardown): stop it by its pid, as pg_ctl would.
        process.kill(postmaster, mode === 'fast' ? 'SIGINT' : 'SIGQUIT')
        for (const end = Date.now() + 60_000; isPostmaster(postmaster, dataDir) && Date.now() < end; ) await new Promise(r => setTimeout(r, 100))
      }
      postmaster = undefined
    },
    async remove() {
      await pg.stop('immediate')
      await fs.rm(dataDir, { recursive: true, force: true })
      await fs.rm(logFile, { force: true })
      await fs.rm(socketDir, { recursive: true, force: true })
    },
  }
  return pg
}

/** initPostgres then start. */
export async function startPostgres(dir: string, o: PgOptions = {}): Promise<PgCluster> {
  const pg = await initPostgres(dir, o)
  await pg.start()
  return pg
}

/**
 * The quick-start demo: the whole pipeline on this one machine, on loopback, driven through
 * the `roost` binary exactly as a sysadmin would type it. A hub; two spokes for two services
 * with different data, each making a full (the wiki's SQLite database copied by a pre hook);
 * one service changed (a file modified, one deleted, one renamed, a row edited) and backed up
 * again as an incr; a mirror; the incr restored through its chain
 * from the hub (its restore hook putting the database back) and the other service restored
 * from the mirror's store, each compared
 * bit-exact with its source; the mirror's tree packed into a set of small disc images, checked,
 * one image deleted and the wiki restored from the rest through par2; the hub's retention
 * plan (dry run). Prints each step; exits
 * non-zero if anything is off.
 *
 *   node dist/scripts/demo.js [--dir DIR] [--keep]
 */
import { execa, type ResultPromise } from 'execa'
import { promises as fs } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { makeServiceTree } from './fixtures.js'
import { leakedIn, secretsUnder } from './secrets.js'
import { compareTrees } from '../lib/fsx/compare-trees.js'
import { dumpYaml } from '../lib/config/load.js'
import * as jsYaml from 'js-yaml'

const ROOST = resolve(fileURLToPath(new URL('../roost.js', import.meta.url)))
/** The sample hooks (scripts/hooks/ in the repository; the demo runs from dist/scripts/). */
const HOOKS = resolve(fileURLToPath(new URL('../../scripts/hooks', import.meta.url)))
const color = process.stdout.isTTY
const bold = (s: string): string => (color ? `\x1b[1m${s}\x1b[0m` : s)
const green = (s: string): string => (color ? `\x1b[32m${s}\x1b[0m` : s)
const red = (s: string): string => (color ? `\x1b[31m${s}\x1b[0m` : s)

let stepNo = 0
function step(text: string): void {
  stepNo++
  process.stdout.write(`\n${bold(`${stepNo}. ${text}`)}\n`)
}

function show(args: string[]): void {
  process.stdout.write(`   $ roost ${args.map(a => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ')}\n`)
}

/** Every log line the demo's roost commands and daemons wrote (kept in <dir>/logs/roost.log and checked for secrets at the end). */
const allLogs: string[] = []
/** ROOST_LOG_LEVEL, when set, is the level of every roost the demo runs (the full-cycle test runs it at debug). */
const level = (dflt: string): string => process.env.ROOST_LOG_LEVEL || dflt

/** Runs `roost ARGS`, echoing the command and its output; throws when it fails. */
async function roost(args: string[], opts: { quiet?: boolean } = {}): Promise<string> {
  show(args)
  const r = await execa(process.execPath, [ROOST, ...args], { reject: false, env: { ROOST_LOG_LEVEL: level('warn') } })
  allLogs.push(String(r.stderr))
  const out = String(r.stdout).trimEnd()
  if (out && !opts.quiet) process.stdout.write(out.split('\n').map(l => `     ${l}`).join('\n') + '\n')
  if (r.exitCode !== 0) {
    process.stdout.write(String(r.stderr))
    throw new Error(`roost ${args[0]} ${args[1] ?? ''} exited ${r.exitCode}`)
  }
  return out
}

async function waitForFile(path: string, ms: number, hub: { exited: boolean; logs: string }): Promise<string> {
  const end = Date.now() + ms
  for (;;) {
    const text = await fs.readFile(path, 'utf8').catch(() => undefined)
    if (text) return text
    if (hub.exited) throw new Error(`the hub exited:\n${hub.logs}`)
    if (Date.now() > end) throw new Error(`timed out waiting for ${path}`)
    await new Promise(r => setTimeout(r, 100))
  }
}

/** Starts a long-running roost command (mirror serve, mirror watch), collecting its log. */
function daemon(args: string[], log: { exited: boolean; logs: string }): ResultPromise {
  const child = execa(process.execPath, [ROOST, ...args], { reject: false, stdin: 'ignore', env: { ROOST_LOG_LEVEL: level('info') } })
  child.stderr?.on('data', (d: Buffer) => (log.logs += d.toString()))
  void child.then(() => {
    log.exited = true
    allLogs.push(log.logs)
  })
  return child
}

async function compare(source: string, restoredRoot: string, what: string): Promise<void> {
  const restored = join(restoredRoot, source)
  const diffs = await compareTrees(source, restored)
  if (diffs.length) {
    for (const d of diffs) process.stdout.write(red(`   ✗ ${d.path}: ${d.what}\n`))
    throw new Error(`${what} differs from its source`)
  }
  process.stdout.write(green(`   ✓ ${what} is bit-exact: content, modes, mtimes, owners, symlinks, hardlinks, odd names\n`))
}

/** A line only the forum's plaintext holds: the demo looks for it on the hub and the mirror. */
const FORUM_SECRET = 'forum-secret: the moderators meet on thursdays'

/** Files below `root` whose content holds `needle`. */
async function holding(root: string, needle: Buffer): Promise<string[]> {
  const found: string[] = []
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    const path = join(root, e.name)
    if (e.isDirectory()) found.push(...(await holding(path, needle)))
    else if (e.isFile() && (await fs.readFile(path)).includes(needle)) found.push(path)
  }
  return found
}

/** Runs a tool (not roost) quietly; throws when it fails. */
async function run(argv: string[]): Promise<{ stdout: string }> {
  const r = await execa(argv[0]!, argv.slice(1), { reject: false })
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}: ${String(r.stderr)}`)
  return { stdout: String(r.stdout) }
}

/** The wiki's SQLite database: a pre hook copies it with SQLite's backup API, a restore hook puts it back. */
async function sqlite(db: string, sql: string): Promise<string> {
  return (await run(['sqlite3', '-bail', db, sql])).stdout
}

/**
 * Gives the wiki's spoke.yaml its database hooks, as a sysadmin would edit it: the pre hook
 * copies the live database into a dump folder that is one of the sources, the restore hook
 * puts the copy back (where: SQLITE_RESTORE_TO, given at restore time).
 */
async function addWikiHooks(config: string, db: string, dumps: string): Promise<void> {
  const yaml = jsYaml.load(await fs.readFile(config, 'utf8')) as Record<string, unknown>
  const env = { DUMP_DIR: dumps, SQLITE_DBS: db }
  yaml.hooks = {
    pre: [{ name: 'copy the wiki database', run: [join(HOOKS, 'sqlite-backup')], timeout: '5m', env }],
    restore: [{ name: 'put the wiki database back', run: [join(HOOKS, 'sqlite-restore')], timeout: '5m', env }],
  }
  await fs.writeFile(config, dumpYaml(yaml))
  process.stdout.write(`   hooks.pre: sqlite-backup ${db} → ${dumps}\n   hooks.restore: sqlite-restore\n`)
}

/** What `changeWiki` did, for checking a restore. Paths relative to the service's folder. */
interface Change {
  modified: string
  line: string
  deleted: string
  renamed: { from: string; to: string }
}

/** Modifies a file, deletes one and renames one (a hardlinked file with a space in its name). */
async function changeWiki(dir: string): Promise<Change> {
  const c: Change = { modified: 'config/app.ini', line: 'changed=after-the-full\n', deleted: 'sessions/sess_007', renamed: { from: 'data/notes with spaces.txt', to: 'data/notes renamed.txt' } }
  await fs.appendFile(join(dir, c.modified), c.line)
  await fs.rm(join(dir, c.deleted))
  await fs.rename(join(dir, c.renamed.from), join(dir, c.renamed.to))
  process.stdout.write(`   modified ${c.modified}, deleted ${c.deleted}, renamed '${c.renamed.from}' → '${c.renamed.to}'\n`)
  return c
}

/** Throws unless the restored tree shows the change: the new content, no deleted file, the new name only. */
async function checkChange(restored: string, c: Change): Promise<void> {
  const has = (rel: string): Promise<boolean> => fs.lstat(join(restored, rel)).then(() => true, () => false)
  if (!(await fs.readFile(join(restored, c.modified), 'utf8')).endsWith(c.line)) throw new Error(`${c.modified} came back without its change`)
  if (await has(c.deleted)) throw new Error(`${c.deleted} was deleted but came back`)
  if (!(await has(c.renamed.to)) || (await has(c.renamed.from))) throw new Error(`'${c.renamed.from}' did not come back as '${c.renamed.to}' only`)
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const dirArg = argv.indexOf('--dir')
  const base = dirArg >= 0 && argv[dirArg + 1] ? resolve(argv[dirArg + 1]!) : await fs.mkdtemp(join(tmpdir(), 'roost-demo-'))
  const keep = argv.includes('--keep') || dirArg >= 0
  await fs.mkdir(base, { recursive: true, mode: 0o700 })
  const p = (...parts: string[]): string => join(base, ...parts)
  process.stdout.write(`${bold('roost demo')}: hub, two spokes (one encrypted), an incr, two tiers of mirrors and restores on 127.0.0.1, in ${base}\n`)

  step('Service data: a wiki (with an SQLite database) and a forum (odd names, symlinks, hardlinks, an empty folder, a large file)')
  await makeServiceTree(p('data', 'wiki'), { seed: 'wiki', largeBytes: 20 * 1024 * 1024 })
  const wikiDb = p('data', 'wiki-db', 'wiki.sqlite')
  const wikiDumps = p('data', 'wiki-dumps')
  await fs.mkdir(p('data', 'wiki-db'), { recursive: true })
  await fs.mkdir(wikiDumps, { recursive: true, mode: 0o700 })
  await sqlite(wikiDb, "PRAGMA journal_mode=WAL; CREATE TABLE pages (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 500) INSERT INTO pages (title, body) SELECT 'Page ' || i, printf('%.*c', 200 + i, 'x') FROM n;")
  await makeServiceTree(p('data', 'forum'), { seed: 'forum', largeBytes: 6 * 1024 * 1024 })
  await fs.writeFile(p('data', 'forum', 'config', 'forum-only.txt'), `only the forum has this\n${FORUM_SECRET}\n`)
  process.stdout.write(`   ${p('data', 'wiki')}\n   ${p('data', 'forum')}\n`)

  step('Hub: make its root and keys, then start it on 127.0.0.1 (port chosen by the system)')
  await roost(['hub', 'init', p('hub'), '--port', '0'])
  const hubLog = { exited: false, logs: '' }
  const hub = daemon(['hub', 'serve', '--config', p('hub', 'hub.yaml')], hubLog)
  const daemons: ResultPromise[] = []
  try {
    const { port } = JSON.parse(await waitForFile(p('hub', 'state', 'listen.json'), 30_000, hubLog)) as { port: number }
    show(['hub', 'serve', '--config', p('hub', 'hub.yaml')])
    process.stdout.write(`     listening on 127.0.0.1:${port}\n`)

    step("The forum's data is private: make an age identity kept off the spoke (here: offline/), give its spoke the recipient")
    await fs.mkdir(p('offline'), { mode: 0o700 })
    await run(['age-keygen', '-o', p('offline', 'forum-identity.txt')])
    const recipient = (await run(['age-keygen', '-y', p('offline', 'forum-identity.txt')])).stdout.trim()
    process.stdout.write(`   recipient ${recipient}\n`)

    for (const svc of ['wiki', 'forum']) {
      step(`Spoke for ${svc}: make its config and key, pin the hub's host key, register it on the hub${svc === 'forum' ? '; every generation encrypted to the recipient' : '; its database hooks (a consistent copy before each run, put back after a restore)'}`)
      await roost(['spoke', 'init', '--service', svc, '--hub', `127.0.0.1:${port}`, '--source', p('data', svc), ...(svc === 'wiki' ? ['--source', wikiDumps] : []), '--dir', p(`spoke-${svc}`), ...(svc === 'forum' ? ['--encrypt-to', recipient] : [])])
      if (svc === 'wiki') await addWikiHooks(p('spoke-wiki', 'spoke.yaml'), wikiDb, wikiDumps)
      const keyLine = (await fs.readFile(p(`spoke-${svc}`, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
      await roost(['hub', 'add-service', svc, '--key', keyLine, '--config', p('hub', 'hub.yaml')])
    }

    for (const svc of ['wiki', 'forum']) {
      step(`Back up ${svc}: ${svc === 'wiki' ? 'the pre hook copies the database, then ' : ''}tar, hash, sign, upload over SSH; the hub validates and accepts it (a full: the first)`)
      await roost(['spoke', 'run', '--config', p(`spoke-${svc}`, 'spoke.yaml')])
    }

    step('Change the wiki (modify a file, delete one, rename one, edit its database) and back up again: the policy makes an incr')
    const change = await changeWiki(p('data', 'wiki'))
    await sqlite(wikiDb, "UPDATE pages SET body = 'edited after the full' WHERE id = 7; INSERT INTO pages (title, body) VALUES ('Page added after the full', 'new');")
    process.stdout.write('   edited page 7 and added a page in the wiki database\n')
    const out = await roost(['spoke', 'run', '--config', p('spoke-wiki', 'spoke.yaml'), '--label', 'after-change'])
    const incr = /^wiki (\d{8}T\d{6}Z-incr) /m.exec(out)?.[1]
    if (!incr) throw new Error('the second run of the wiki did not make an incr')

    step('Hub status')
    await roost(['hub', 'status', '--config', p('hub', 'hub.yaml')])

    step('Mirror: pin the hub, register, sync (index checked, every file verified, published last), verify')
    const indexKey = (await fs.readFile(p('hub', 'keys', 'index_ed25519.pub'), 'utf8')).trim()
    await roost(['mirror', 'init', p('mirror'), '--upstream', `127.0.0.1:${port}`, '--name', 'mirror1', '--index-key', indexKey, '--serve', '127.0.0.1:0'])
    const mirrorKey = (await fs.readFile(p('mirror', 'keys', 'mirror_ed25519.pub'), 'utf8')).trim()
    await roost(['hub', 'add-mirror', 'mirror1', '--key', mirrorKey, '--config', p('hub', 'hub.yaml')])
    await roost(['mirror', 'sync', '--config', p('mirror', 'mirror.yaml')])
    await roost(['mirror', 'verify', '--config', p('mirror', 'mirror.yaml')])

    step('A second tier: mirror1 feeds mirror2 (roost mirror serve); mirror2 stays live with roost mirror watch; its trace reaches the hub through mirror1')
    const serveLog = { exited: false, logs: '' }
    const serve = daemon(['mirror', 'serve', '--config', p('mirror', 'mirror.yaml')], serveLog)
    daemons.push(serve)
    const m1 = JSON.parse(await waitForFile(p('mirror', 'state', 'listen.json'), 30_000, serveLog)) as { port: number }
    show(['mirror', 'serve', '--config', p('mirror', 'mirror.yaml')])
    process.stdout.write(`     listening on 127.0.0.1:${m1.port}\n`)
    await roost(['mirror', 'init', p('mirror2'), '--upstream', `127.0.0.1:${m1.port}`, '--name', 'mirror2', '--index-key', indexKey])
    const mirror2Key = (await fs.readFile(p('mirror2', 'keys', 'mirror_ed25519.pub'), 'utf8')).trim()
    await roost(['mirror', 'add-mirror', 'mirror2', '--key', mirror2Key, '--config', p('mirror', 'mirror.yaml')])
    const watchLog = { exited: false, logs: '' }
    daemons.push(daemon(['mirror', 'watch', '--config', p('mirror2', 'mirror.yaml')], watchLog))
    show(['mirror', 'watch', '--config', p('mirror2', 'mirror.yaml')])
    const hubTree = await fs.readFile(p('hub', 'store', 'TREE.json'))
    await waitForFile(p('mirror', 'accounts', 'mirror2', 'trace', 'TRACE.json'), 60_000, watchLog)
    if (!(await fs.readFile(p('mirror2', 'store', 'TREE.json'))).equals(hubTree)) throw new Error("mirror2 does not publish the hub's index")
    process.stdout.write(green("   ✓ mirror2 verified and published the hub's tree, fed by mirror1\n"))
    await roost(['mirror', 'sync', '--config', p('mirror', 'mirror.yaml')], { quiet: true })
    await roost(['hub', 'status', '--config', p('hub', 'hub.yaml')])

    step("Restore the wiki's incr from the hub (as its spoke would on a new machine): its chain, full then incr; its restore hook puts the database back (here beside the live one: --hook-env)")
    const restored = await roost(['restore', 'wiki', incr, '--from', 'hub', '--config', p('spoke-wiki', 'spoke.yaml'), '--to', p('restore-from-hub'), '--hooks', p('spoke-wiki', 'spoke.yaml'), '--hook-env', `SQLITE_RESTORE_TO=${p('restored-db')}`])
    if (!/\(chain \S+-full → \S+-incr\)/.test(restored)) throw new Error(`the restore of ${incr} did not replay the chain full → incr`)
    await compare(p('data', 'wiki'), p('restore-from-hub'), 'the wiki restored from the hub')
    await checkChange(join(p('restore-from-hub'), p('data', 'wiki')), change)
    process.stdout.write(green(`   ✓ the incr ${incr} restored through its chain equals the changed wiki: the modified file, the deletion and the rename are all there\n`))
    const [live, back] = await Promise.all([sqlite(wikiDb, '.dump'), sqlite(p('restored-db', 'wiki.sqlite'), '.dump')])
    if (live !== back || !back.includes('Page added after the full')) throw new Error('the restored wiki database differs from the live one')
    process.stdout.write(green(`   ✓ the wiki database put back by its restore hook holds every row of the live one (${(await sqlite(wikiDb, 'SELECT count(*) FROM pages')).trim()} pages, the edit after the full included)\n`))

    step("The forum on the hub and the mirror is ciphertext: no file there holds a byte of its plaintext")
    for (const where of [p('hub'), p('mirror')]) {
      const leaks = await holding(where, Buffer.from(FORUM_SECRET))
      if (leaks.length) throw new Error(`plaintext of the encrypted forum found in ${leaks.join(', ')}`)
    }
    process.stdout.write(green(`   ✓ '${FORUM_SECRET}' is in no file under the hub or the mirror\n`))

    step("Restore the forum from the mirror's store with its identity, and compare")
    await roost(['restore', 'forum', '--from', p('mirror', 'store'), '--config', p('mirror', 'mirror.yaml'), '--to', p('restore-from-mirror'), '--identity', p('offline', 'forum-identity.txt')])
    await compare(p('data', 'forum'), p('restore-from-mirror'), "the forum restored from the mirror's store")

    step("Disc set: the mirror's tree as 8 MiB 'discs' (ISO images, each with the signed catalog, the hub's index, a README for restoring by hand, and par2 parity that rebuilds any one lost disc); check the set")
    await roost(['mirror', 'volumes', '--media', '8M', '--out', p('discs'), '--config', p('mirror', 'mirror.yaml')])
    await roost(['mirror', 'volumes', '--verify', p('discs'), '--config', p('mirror', 'mirror.yaml')])

    step("Lose a disc: delete one image, then restore the wiki's incr from the other images alone (par2 rebuilds the lost disc), and compare")
    const [set] = (await fs.readdir(p('discs'))).filter(n => !n.startsWith('.'))
    const images = (await fs.readdir(p('discs', set!))).filter(n => n.endsWith('.iso')).sort()
    if (images.length < 3) throw new Error(`expected a set of several discs, got ${images.length}`)
    await fs.rm(p('discs', set!, images[1]!))
    process.stdout.write(`   deleted ${images[1]} (${images.length - 1} of ${images.length} images left)\n`)
    await roost(['restore', 'wiki', incr, '--from', p('discs'), '--index-key', indexKey, '--to', p('restore-from-discs')])
    await compare(p('data', 'wiki'), p('restore-from-discs'), 'the wiki restored from the discs with one lost')

    step('Retention on the hub: what it keeps and why (a dry run changes nothing)')
    await roost(['hub', 'prune', '--dry-run', '--config', p('hub', 'hub.yaml')])
  } finally {
    for (const d of [...daemons.reverse(), hub]) {
      d.kill('SIGTERM')
      await d
    }
  }

  step('No secret in any log: no piece of any private key or age identity made here is in a line any roost command or daemon logged')
  await fs.mkdir(p('logs'), { recursive: true, mode: 0o700 })
  const logText = allLogs.join('')
  await fs.writeFile(p('logs', 'roost.log'), logText, { mode: 0o600 })
  const secrets = await secretsUnder(base, new Set([p('logs')]))
  const leaks = leakedIn(logText, secrets)
  if (leaks.length) throw new Error(`a secret from ${leaks.join(', ')} is in the logs (${p('logs', 'roost.log')})`)
  process.stdout.write(green(`   ✓ ${secrets.length} secrets (${secrets.map(s => relative(base, s.file)).join(', ')}) are in none of ${logText.split('\n').filter(Boolean).length} log lines (${p('logs', 'roost.log')})\n`))
  process.stdout.write(`\n${green(bold('All steps passed.'))} ${keep ? `Everything is left in ${base}` : ''}\n`)
  if (!keep) await fs.rm(base, { recursive: true, force: true })
}

main().catch((err: unknown) => {
  process.stdout.write(`\n${red(bold('Demo failed:'))} ${(err as Error).message}\n`)
  process.exitCode = 1
})

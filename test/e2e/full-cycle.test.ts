/**
 * The whole cycle, as the quick start runs it: a hub, two spokes with different data, each
 * making a full; the wiki changed (a file modified, one deleted, one renamed) and backed up
 * again as an incr; a mirror; the incr restored through its chain from the hub, and the forum
 * (encrypted with age: the hub and the mirror hold ciphertext only) from the mirror's store with
 * its identity; the wiki's SQLite database copied by a pre hook and put back by a restore hook;
 * the hub's retention as a dry run. The demo checks itself; this test
 * checks its results again independently, so a demo that lied would fail here.
 */
import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execa } from 'execa'
import { REPO, roost, NODE } from '../helpers/roost.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { openTree } from '../../lib/formats/tree.js'
import { parseManifest, verifyManifest } from '../../lib/formats/manifest.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { leakedIn, secretsUnder } from '../../scripts/secrets.js'

const exists = (p: string): Promise<boolean> => fs.lstat(p).then(() => true, () => false)

t.test('hub, two spokes, an incr, a mirror, and bit-exact restores from the hub (through the chain) and from the mirror', async t => {
  const dir = join(t.testdir(), 'demo')
  const r = await execa(NODE[0], [...NODE.slice(1), join(REPO, 'dist', 'scripts', 'demo.js'), '--dir', dir], { reject: false, timeout: 240_000, env: { ROOST_LOG_LEVEL: 'debug' } })
  t.equal(r.exitCode, 0, 'the demo exits 0', { output: r.exitCode === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-4000) })
  t.match(r.stdout, /the wiki restored from the hub is bit-exact/)
  t.match(r.stdout, /the incr \S+-incr restored through its chain equals the changed wiki/)
  t.match(r.stdout, /the forum restored from the mirror's store is bit-exact/)
  t.match(r.stdout, /wiki: keep 2, remove 0 \(dry run: nothing changed\)/, 'the demo shows the retention plan')

  for (const [svc, restored] of [['wiki', 'restore-from-hub'], ['forum', 'restore-from-mirror']] as const) {
    const source = join(dir, 'data', svc)
    t.same(await compareTrees(source, join(dir, restored, source)), [], `${svc}: the restore matches its source`)
  }
  const indexKey = await readPublicKeyArg(join(dir, 'hub', 'keys', 'index_ed25519.pub'))
  const read = async (store: string) => openTree({ bytes: await fs.readFile(join(store, 'TREE.json')), signature: await fs.readFile(join(store, 'TREE.json.sig'), 'utf8') }, indexKey)
  const forumOnly = join(dir, 'restore-from-mirror', dir, 'data', 'forum', 'config', 'forum-only.txt')
  t.match(await fs.readFile(forumOnly, 'utf8'), /^only the forum has this\nforum-secret: /, 'the two services kept their different data')
  t.match(r.stdout, /is in no file under the hub or the mirror/)
  for (const g of Object.keys((await read(join(dir, 'hub', 'store'))).services.forum!.generations)) {
    const files = (await fs.readdir(join(dir, 'mirror', 'store', 'forum', g))).sort()
    t.same(files, ['data.tar.zst.age', 'manifest.json'], `forum ${g}: the mirror holds its ciphertext`)
    const m = parseManifest(await fs.readFile(join(dir, 'hub', 'store', 'forum', g, 'manifest.json'), 'utf8'))
    t.match(m.encryption, { recipients: [/^age:[0-9a-f]{16}$/] }, 'and its signed manifest names the recipient by fingerprint')
  }

  const hubTree = await read(join(dir, 'hub', 'store'))
  const mirrorTree = await read(join(dir, 'mirror', 'store'))
  t.same(Object.keys(hubTree.services).sort(), ['forum', 'wiki'], "the hub's index lists both services")
  t.same(mirrorTree, hubTree, "the mirror published exactly the hub's signed index")

  // the wiki's chain: a full, then an incr whose signed manifest names the full as its parent
  const wikiGens = Object.keys(hubTree.services.wiki!.generations).sort()
  t.same(wikiGens.map(g => g.slice(-4)), ['full', 'incr'], 'the hub holds a full and an incr of the wiki (the dry run removed nothing)')
  const [full, incr] = wikiGens as [string, string]
  const spokeKey = await readPublicKeyArg(join(dir, 'spoke-wiki', 'keys', 'spoke_ed25519.pub'))
  const manifest = parseManifest(await fs.readFile(join(dir, 'hub', 'store', 'wiki', incr, 'manifest.json'), 'utf8'))
  t.ok(verifyManifest(manifest, spokeKey), "the incr's manifest is signed by the wiki's spoke")
  t.match(manifest, { kind: 'incr', parent: full, base: null, label: 'after-change' }, 'the incr builds on the full and carries its label')
  t.match(r.stdout, new RegExp(`chain ${full} → ${incr}`), 'the restore replayed the chain full → incr')

  // the restore holds the change, which the full alone does not: so it came through the incr
  const src = join(dir, 'data', 'wiki')
  const restored = join(dir, 'restore-from-hub', src)
  t.match(await fs.readFile(join(restored, 'config', 'app.ini'), 'utf8'), /changed=after-the-full\n$/, 'the modified file has its change')
  t.notOk(await exists(join(restored, 'sessions', 'sess_007')), 'the deleted file is gone')
  t.ok(await exists(join(restored, 'data', 'notes renamed.txt')), 'the renamed file is there under its new name')
  t.notOk(await exists(join(restored, 'data', 'notes with spaces.txt')), 'and not under its old one')
  const listed = await roost(['restore', 'wiki', full, '--list', '--json', '--from', join(dir, 'hub', 'store'), '--index-key', join(dir, 'hub', 'keys', 'index_ed25519.pub')])
  t.equal(listed.exitCode, 0, 'the full can be listed', { stderr: listed.stderr })
  const inFull = new Set((JSON.parse(listed.stdout) as { entries: Array<{ path: string }> }).entries.map(e => e.path))
  t.ok(inFull.has(join(src, 'sessions', 'sess_007')) && inFull.has(join(src, 'data', 'notes with spaces.txt')), 'the full still holds the deleted file and the old name')
  t.notOk(inFull.has(join(src, 'data', 'notes renamed.txt')), 'and not the new name')

  // the wiki's database: copied by its pre hook (recorded in the signed manifest), put back by its restore hook
  t.match(manifest.hooks, [{ name: 'copy the wiki database', phase: 'pre', exitCode: 0 }], "the incr's manifest records the pre hook and its exit code")
  const sql = async (db: string, q: string): Promise<string> => (await execa('sqlite3', ['-bail', db, q])).stdout
  const live = join(dir, 'data', 'wiki-db', 'wiki.sqlite')
  const back = join(dir, 'restored-db', 'wiki.sqlite')
  t.equal(await sql(back, 'PRAGMA integrity_check'), 'ok', 'the restored database passes integrity_check')
  t.equal(await sql(back, '.dump'), await sql(live, '.dump'), 'and holds every row of the live one')
  t.equal(await sql(back, "SELECT body FROM pages WHERE id = 7"), 'edited after the full', 'including the edit made after the full (it came through the incr)')
  t.match(r.stdout, /restore hook 'put the wiki database back': ok/, 'the demo shows the restore hook ran')

  // no secret in any log: every roost the demo ran logged at debug into logs/roost.log
  const logText = await fs.readFile(join(dir, 'logs', 'roost.log'), 'utf8')
  const debugLines = logText.split('\n').filter(l => l.startsWith('{"level":20')).length
  t.ok(debugLines > 50, `the demo's log holds its commands' and daemons' debug lines (${debugLines})`)
  const keyFiles = [
    ...['host_ed25519', 'index_ed25519'].map(k => join(dir, 'hub', 'keys', k)),
    ...['wiki', 'forum'].map(s => join(dir, `spoke-${s}`, 'keys', 'spoke_ed25519')),
    join(dir, 'mirror', 'keys', 'mirror_ed25519'),
    join(dir, 'offline', 'forum-identity.txt'),
  ]
  const secrets = await secretsUnder(dir, new Set([join(dir, 'logs')]))
  t.same(keyFiles.filter(f => !secrets.some(s => s.file === f)), [], 'the scan knows every private key and the age identity')
  t.same(leakedIn(logText + r.stdout + r.stderr, secrets), [], 'no piece of any of them is in the logs or the demo\'s output')
  const planted = logText + `{"level":20,"msg":"oops","key":"${secrets[0]!.pieces[1]}"}\n`
  t.same(leakedIn(planted, secrets), [secrets[0]!.file], 'a line carrying a piece of a key would be found')
})

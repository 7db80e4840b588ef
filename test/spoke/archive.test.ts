import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { makeServiceTree } from '../helpers/fixtures.js'
import { roost } from '../helpers/roost.js'
import { makeArchive } from '../../spoke/archive.js'
import { extractArgs } from '../../lib/tar.js'
import { buildManifest, writeManifest } from '../../spoke/manifest.js'
import { parseManifest, verifyManifest } from '../../lib/formats/manifest.js'
import { readPrivateKey } from '../../lib/sign.js'
import { dumpYaml } from '../../lib/config/load.js'
import { silentLogger } from '../../lib/log.js'

function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', path])
  return execFileSync('cat', [path + '.pub']).toString().trim()
}

/** Counts of a `tar -tvf` listing, by the first letter of each line. */
function tarCounts(file: string): { entries: number; files: number; dirs: number; symlinks: number; hardlinks: number } {
  const lines = execFileSync('tar', ['-tvf', file, '--quoting-style=escape']).toString().split('\n').filter(Boolean)
  const by = (c: string) => lines.filter(l => l[0] === c).length
  return { entries: lines.length, files: by('-'), dirs: by('d'), symlinks: by('l'), hardlinks: by('h') }
}

t.test('a generation from a service tree: hash, counts and a manifest that verifies', async t => {
  const dir = t.testdir()
  const src = join(dir, 'srv', 'wiki')
  await makeServiceTree(src, { seed: 'archive', largeBytes: 3 * 1024 * 1024 + 17 })
  const gen = join(dir, 'gen')
  await fs.mkdir(gen)
  const a = await makeArchive({ sources: [src], excludes: [], dir: gen }, silentLogger())
  const sum = execFileSync('sha256sum', [a.path]).toString().split(' ')[0]
  t.equal(a.sha256, sum, 'sha256 equals sha256sum of the file')
  t.equal(a.bytes, (await fs.stat(a.path)).size)
  t.equal(a.tarExit, 0)
  const listed = tarCounts(a.path)
  t.same({ entries: a.counts.entries, files: a.counts.files, dirs: a.counts.dirs, symlinks: a.counts.symlinks, hardlinks: a.counts.hardlinks }, listed, 'counts equal a separate tar -tvf')
  t.ok(a.counts.hardlinks >= 2 && a.counts.symlinks >= 3, 'the fixture\'s links are there')
  t.equal(a.counts.bytes, a.bytes)
  t.match(execFileSync('tar', ['-tf', a.path]).toString(), new RegExp(`^${src.slice(1)}/config/app.ini$`, 'm'), 'paths are stored relative to /')

  keygen(join(dir, 'k'))
  const key = await readPrivateKey(join(dir, 'k'))
  const hooks = [{ name: 'dump', phase: 'pre' as const, exitCode: 0, ms: 3, ok: true }]
  const created = new Date('2026-11-22T03:00:00Z')
  await writeManifest(gen, buildManifest({ service: 'wiki', generation: '20261122T030000Z-full', kind: 'full', base: null, parent: null, created, host: 'h', roostVersion: '0.1.0', sources: [src], excludes: [], hooks, archive: a, counts: a.counts }), key)
  const m = parseManifest(await fs.readFile(join(gen, 'manifest.json'), 'utf8'))
  t.ok(verifyManifest(m, key.public), 'the manifest verifies with the spoke\'s public key')
  t.same(m.files, [{ name: 'data.tar', bytes: a.bytes, sha256: sum }])
})

t.test('a missing source fails the archive with TAR_FAILED', async t => {
  const dir = t.testdir()
  await t.rejects(makeArchive({ sources: [join(dir, 'nope')], excludes: [], dir }, silentLogger()), { code: 'TAR_FAILED' })
})

/** A spoke root whose hub is never reached (port 1): enough for runs that fail before they reach it. */
async function spokeRoot(dir: string, extra: Record<string, unknown>): Promise<string> {
  await fs.mkdir(join(dir, 'keys'), { mode: 0o700 })
  keygen(join(dir, 'keys', 'spoke_ed25519'))
  const hostKey = keygen(join(dir, 'hostkey')).split(' ').slice(0, 2).join(' ')
  const file = join(dir, 'spoke.yaml')
  await fs.writeFile(file, dumpYaml({ service: 'wiki', hub: { host: '127.0.0.1', port: 1, hostKey }, sources: [join(dir, 'data')], ...extra }))
  await makeServiceTree(join(dir, 'data'), { largeBytes: 1024 })
  return file
}

t.test('a config with an unknown key: exit 2 naming spoke.yaml and the key', async t => {
  const dir = t.testdir()
  const config = await spokeRoot(dir, { retention: 3 })
  const r = await roost(['spoke', 'run', '--config', config])
  t.equal(r.exitCode, 2)
  t.match(r.stderr, /spoke\.yaml: at the top level: unknown key 'retention'/)
})

t.test('a run while another holds the lock: LOCKED, exit 1, nothing made', async t => {
  const dir = t.testdir()
  const config = await spokeRoot(dir, {})
  await fs.mkdir(join(dir, 'state'), { recursive: true })
  await fs.writeFile(join(dir, 'state', 'lock'), '1\n')
  const r = await roost(['spoke', 'run', '--config', config])
  t.equal(r.exitCode, 1)
  t.match(r.stderr, /another run \(pid 1\) is in progress.*LOCKED/)
  t.equal((await fs.readFile(join(dir, 'state', 'lock'), 'utf8')).trim(), '1', 'the holder\'s lock is untouched')
})

t.test('an encrypted archive: tar → zstd → age in one pass, counted on the plain tar', async t => {
  const dir = t.testdir()
  const src = join(dir, 'srv', 'mail')
  await makeServiceTree(src, { seed: 'sealed', largeBytes: 512 * 1024 })
  const identity = join(dir, 'identity.txt')
  execFileSync('age-keygen', ['-o', identity], { stdio: 'pipe' })
  const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim()
  const plainDir = join(dir, 'plain')
  const sealedDir = join(dir, 'sealed')
  await fs.mkdir(plainDir)
  await fs.mkdir(sealedDir)
  const plain = await makeArchive({ sources: [src], excludes: [], dir: plainDir }, silentLogger())
  const sealed = await makeArchive({ sources: [src], excludes: [], dir: sealedDir, recipients: [recipient] }, silentLogger())
  t.equal(sealed.path, join(sealedDir, 'data.tar.zst.age'))
  t.ok(sealed.encrypted)
  t.same(await fs.readdir(sealedDir), ['data.tar.zst.age'], 'no plain tar is written')
  t.equal(sealed.sha256, execFileSync('sha256sum', [sealed.path]).toString().split(' ')[0], 'the hash is the ciphertext file\'s')
  t.equal(sealed.bytes, (await fs.stat(sealed.path)).size)
  t.equal((await fs.stat(sealed.path)).mode & 0o777, 0o600)
  t.same(sealed.counts, plain.counts, 'counts (and the plain size) equal the plain archive\'s')
  const opened = execFileSync('sh', ['-c', 'age --decrypt --identity "$1" "$2" | zstd -d -q -c', 'sh', identity, sealed.path], { maxBuffer: 1 << 28 })
  t.equal(opened.length, plain.counts.bytes, 'age -d | zstd -d gives back a tar of the stated size')
  const listed = execFileSync('tar', ['-tf', '-'], { input: opened }).toString()
  t.match(listed, /srv\/mail\//, 'which lists the service tree')
})

t.test('extended attributes and ACLs survive the archive and a restore with our extract args', async t => {
  const dir = t.testdir()
  const src = join(dir, 'srv', 'acl')
  await fs.mkdir(src, { recursive: true })
  const file = join(src, 'tagged.txt')
  await fs.writeFile(file, 'tagged\n')
  execFileSync('setfattr', ['-n', 'user.roost', '-v', 'kept', file])
  execFileSync('setfacl', ['-m', 'u:nobody:r', file])
  const gen = join(dir, 'gen')
  await fs.mkdir(gen)
  const a = await makeArchive({ sources: [src], excludes: [], dir: gen }, silentLogger())
  const out = join(dir, 'out')
  await fs.mkdir(out)
  const [tar, ...args] = extractArgs(out, { sameOwner: false })
  execFileSync(tar!, args, { input: await fs.readFile(a.path) })
  const restored = join(out, file)
  t.match(execFileSync('getfattr', ['-n', 'user.roost', '--only-values', restored], { encoding: 'utf8' }), /^kept/, 'the xattr came back')
  t.match(execFileSync('getfacl', ['-p', restored], { encoding: 'utf8' }), /user:nobody:r--/, 'the ACL came back')
})

t.test('excludes: an absolute path leaves out exactly that path; a pattern matches at any depth', async t => {
  const dir = t.testdir()
  const src = join(dir, 'srv', 'wiki')
  for (const f of ['cache/page.html', 'keep/cache/note', 'keep/a.txt', 'keep/b.tmp']) {
    await fs.mkdir(join(src, f, '..'), { recursive: true })
    await fs.writeFile(join(src, f), f)
  }
  const gen = join(dir, 'gen')
  await fs.mkdir(gen)
  const a = await makeArchive({ sources: [src], excludes: [join(src, 'cache'), '*.tmp'], dir: gen }, silentLogger())
  const names = execFileSync('tar', ['-tf', a.path]).toString().split('\n').filter(n => n && !n.endsWith('/')).map(n => n.slice(src.length))  // names are srv/wiki/… (no leading /): src.length drops 'srv/wiki/'
  t.same(names.sort(), ['keep/a.txt', 'keep/cache/note'], 'the absolute exclude took only the top cache/, the pattern every *.tmp')
})

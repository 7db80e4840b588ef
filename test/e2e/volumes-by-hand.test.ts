/**
 * The README on every disc, followed as written: the test takes its command lines (indented
 * `$ `), fills in only what a person would (the image for /dev/sr0, the service, generation,
 * identity and folders), runs them in one bash, and checks that the restored trees equal the
 * sources — with one disc of the set lost, so the by-hand par2 repair is exercised too. One
 * service is plain (zstd | tar), one encrypted (age | zstd | tar). The "with roost" lines are
 * run the same way.
 */
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost, ROOST, NODE_SH } from '../helpers/roost.js'
import { makeChainStore } from '../lib/export/make-chain.js'
import { ageKeygen } from '../hub/ingest/kit.js'
import { makeKey, publishStore } from '../lib/stores/make-store.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'

/** The README's command lines, in order. */
function commands(readme: string): string[] {
  return readme.split('\n').filter(l => l.startsWith('    $ ')).map(l => l.slice(6))
}

/** Runs lines in one bash, one after another; returns each line's exit status and the output. */
function runLines(lines: string[], cwd: string): { codes: number[]; output: string } {
  const script = lines.map((l, i) => `${l}\necho "__rc ${i} $?"`).join('\n')
  const r = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 })
  const codes = lines.map((_, i) => Number(new RegExp(`__rc ${i} (\\d+)`).exec(r.stdout)?.[1] ?? -1))
  return { codes, output: r.stdout + r.stderr }
}

t.test('the by-hand restore on the disc works as written, with one disc lost', async t => {
  const dir = t.testdir()
  const age = await ageKeygen(join(dir, 'age'), 'identity.txt')
  const wiki = await makeChainStore(join(dir, 'wiki'), 3, 'wiki', { largeBytes: 1536 * 1024 })
  const mail = await makeChainStore(join(dir, 'mail'), 2, 'mail', { age, largeBytes: 256 * 1024 })
  const indexKey = await makeKey(dir, 'index')
  const hostKey = await makeKey(dir, 'host')
  const root = join(dir, 'mirror')
  const init = await roost(['mirror', 'init', root, '--upstream', '127.0.0.1:2222', '--name', 'm1', '--index-key', `${indexKey.path}.pub`, '--host-key', `${hostKey.path}.pub`])
  t.equal(init.exitCode, 0, init.stderr)
  const store = join(root, 'store')
  for (const c of [wiki, mail]) await fs.cp(join(c.store, c.service), join(store, c.service), { recursive: true })
  await publishStore(store, [...wiki.records, ...mail.records], { wiki: wiki.key.public.line, mail: mail.key.public.line }, 1, indexKey)
  const out = join(dir, 'discs')
  const made = await roost(['mirror', 'volumes', '--media', String(2 * 1024 * 1024), '--out', out, '--config', join(root, 'mirror.yaml'), '--json'])
  t.equal(made.exitCode, 0, made.stderr)
  const set = JSON.parse(made.stdout)
  t.ok(set.volumes.length >= 3, `${set.volumes.length} discs`)
  const readme = await fs.readFile(join(out, set.set, 'README.txt'), 'utf8')
  execFileSync('xorriso', ['-no_rc', '-osirrox', 'on', '-indev', set.volumes[0].path, '-extract', '/README.txt', join(dir, 'README-disc1.txt')], { stdio: 'ignore' })
  const onDisc = await fs.readFile(join(dir, 'README-disc1.txt'), 'utf8')
  t.equal(onDisc, readme, 'the README beside the images is the one on the disc')
  for (const g of [...wiki.gens, ...mail.gens]) t.match(readme, g, `the README lists ${g}`)

  const lines = commands(readme)
  const work = join(dir, 'hand')
  await fs.mkdir(work)
  const fill = (l: string): string => l.replaceAll(/(?<=^|[\s"'=(]|-B)\/restore\b/g, join(work, 'restore')).replaceAll(/(?<=^|[\s"'=(]|-B)\/target\b/g, join(work, 'target'))
  const byLabel = new Map<string, string>(set.volumes.map((v: { label: string; path: string }) => [v.label, v.path]))
  const lost = set.volumes[1].label

  // 1–3: copy the discs (all but the lost one), verify, repair, reassemble, check, keep the index
  const step = lines.filter(l => !l.includes('SERVICE') && !l.startsWith('roost ') && !l.includes('INDEX_KEY.pub') && !l.startsWith('ssh-keygen'))
  const copy = step.filter(l => l.includes('-indev /dev/sr0'))
  t.equal(copy.length, set.volumes.length, 'one copy line per disc')
  const script = step
    .filter(l => !l.endsWith(`/${lost}`))
    .map(l => {
      const label = /\/discs\/(ROOST_\w+)$/.exec(l)?.[1]
      return fill(label ? l.replace('/dev/sr0', byLabel.get(label)!) : l)
    })
  const ran = runLines(script, work)
  script.forEach((l, i) => {
    const ok = l.includes('par2 verify') ? ran.codes[i] === 1 : ran.codes[i] === 0
    t.ok(ok, `exit ${ran.codes[i]}: ${l.slice(0, 120)}`)
  })
  t.match(ran.output, /: OK/, 'sha256sum checked the files')
  t.notMatch(ran.output, /FAILED/, ran.output.slice(-2000))

  // 4: unpack each chain by hand, oldest first: wiki plain, mail encrypted
  const plain = lines.find(l => l.includes('zstd -dc /restore/store/SERVICE/GENERATION/data.tar.zst |'))!
  const sealed = lines.find(l => l.includes('age -d -i'))!
  const unpack = [
    ...wiki.gens.map(g => fill(plain.replaceAll('SERVICE', 'wiki').replaceAll('GENERATION', g)).replaceAll(join(work, 'target'), join(work, 'target-wiki'))),
    ...mail.gens.map(g => fill(sealed.replaceAll('SERVICE', 'mail').replaceAll('GENERATION', g).replace('/path/to/identity.txt', age.identity)).replaceAll(join(work, 'target'), join(work, 'target-mail'))),
  ]
  const u = runLines(unpack, work)
  t.same(u.codes, unpack.map(() => 0), u.output.slice(-2000))
  t.same(await compareTrees(wiki.src, join(work, 'target-wiki', wiki.src)), [], 'the wiki unpacked by hand equals its source (deletes and renames replayed)')
  t.same(await compareTrees(mail.src, join(work, 'target-mail', mail.src)), [], 'the encrypted mail unpacked by hand equals its source')

  // with roost: the index key off a disc, its fingerprint, then restore from the images (one lost)
  const images = join(work, 'images')
  await fs.mkdir(images)
  for (const v of set.volumes) if (v.label !== lost) await fs.copyFile(v.path, join(images, `${v.label}.iso`))
  const withRoost = lines
    .filter(l => l.includes('INDEX_KEY.pub') || l.startsWith('ssh-keygen') || l.startsWith('roost '))
    .map(l => fill(l.replace('/dev/sr0', set.volumes[0].path).replace(/^roost /, `${NODE_SH} ${ROOST} `).replaceAll('SERVICE', 'wiki').replaceAll('/media/roost-discs', images)).replaceAll(join(work, 'target'), join(work, 'target-roost')))
  t.equal(withRoost.length, 3)
  const wr = runLines(withRoost, work)
  t.same(wr.codes, [0, 0, 0], wr.output.slice(-2000))
  t.match(wr.output, indexKey.public.fingerprint, 'ssh-keygen shows the fingerprint the README names')
  t.match(readme, indexKey.public.fingerprint)
  t.same(await compareTrees(wiki.src, join(work, 'target-roost', wiki.src)), [], 'roost restored the wiki from the images with a disc lost')
})

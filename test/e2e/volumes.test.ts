/**
 * Disc sets end to end with the real xorriso and par2: a mirror's tree forced across several
 * tiny volumes (one file larger than a volume), restored from the images alone; damage and
 * loss repaired with par2; the catalog identical and signed on every disc; --verify; burn to
 * a file. The --new-only flow is in volumes-new-only.test.ts.
 */
import t from 'tap'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { promises as fs, openSync, writeSync, closeSync, fstatSync } from 'node:fs'
import { join } from 'node:path'
import { roost, ROOST, waitFor, NODE, NODE_SH } from '../helpers/roost.js'
import { makeVolumesWorld, isoFiles } from './volumes-world.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { openCatalog } from '../../lib/formats/catalog.js'
import { parsePublicKey } from '../../lib/sign.js'
import { MEDIA } from '../../lib/volumes/media.js'

const MEDIA_BYTES = 2 * 1024 * 1024

t.test('a tree across tiny volumes restores from the images alone, through damage and the loss of a disc', async t => {
  const w = await makeVolumesWorld(t.testdir())
  const out = join(w.dir, 'discs')
  const made = await roost(['mirror', 'volumes', '--media', String(MEDIA_BYTES), '--out', out, '--config', w.config, '--json'])
  t.equal(made.exitCode, 0, made.stderr)
  const r = JSON.parse(made.stdout)
  t.ok(r.made)
  t.match(r.set, /^\d{4}W\d{2}$/)
  t.ok(r.volumes.length >= 3, `${r.volumes.length} volumes`)
  t.equal(r.generations, 4)
  t.ok(r.parity.survivesDiscLoss, 'parity survives the loss of one disc by default')
  const least = 100 / (r.volumes.length - 1)
  t.ok(r.parity.redundancyPercent >= least && r.parity.redundancyPercent < 2 * least, `redundancy ${r.parity.redundancyPercent}%: at least 100/(n−1) (partial blocks add some)`)
  const images = r.volumes.map((v: { path: string }) => v.path)
  for (const [i, v] of r.volumes.entries()) {
    const size = (await fs.stat(v.path)).size
    t.ok(size <= MEDIA_BYTES, `${v.label}: ${size} bytes fit the medium`)
    t.equal(v.label, `ROOST_${r.set}_${String(i + 1).padStart(2, '0')}OF${String(r.volumes.length).padStart(2, '0')}`)
    const files = isoFiles(v.path)
    for (const f of ['README.txt', 'CATALOG.json', 'CATALOG.json.sig', 'TREE.json', 'TREE.json.sig', 'INDEX_KEY.pub', 'SHA256SUMS', 'PIECES.txt', 'VOLUME.txt', 'roost.par2', 'data']) t.ok(files.includes(f), `${v.label} carries ${f}`)
    t.ok(files.some(f => /^roost\.vol\d+\+\d+\.par2$/.test(f)), `${v.label} carries its recovery file`)
  }

  // the catalog: identical bytes on every disc, signed by the mirror's key, naming a split file
  const catalogs = images.map((img: string, i: number) => {
    const dest = join(w.dir, `cat-${i}.json`)
    execFileSync('xorriso', ['-no_rc', '-osirrox', 'on', '-indev', img, '-extract', '/CATALOG.json', dest], { stdio: 'ignore' })
    execFileSync('xorriso', ['-no_rc', '-osirrox', 'on', '-indev', img, '-extract', '/CATALOG.json.sig', `${dest}.sig`], { stdio: 'ignore' })
    return dest
  })
  const first = await fs.readFile(catalogs[0])
  for (const c of catalogs.slice(1)) t.ok((await fs.readFile(c)).equals(first), `${c} equals the first disc's catalog`)
  const mirrorPub = parsePublicKey(await fs.readFile(join(w.root, 'keys', 'mirror_ed25519.pub'), 'utf8'))
  const catalog = openCatalog({ bytes: first, signature: await fs.readFile(`${catalogs[0]}.sig`, 'utf8') }, mirrorPub)
  const big = catalog.pieces.filter(p => p.service === 'wiki' && p.name === 'data.tar.zst' && p.generation === '20261120T030000Z-full')
  t.ok(big.length >= 2 && big[0]!.fileBytes > MEDIA_BYTES, `the ${big[0]!.fileBytes}-byte archive (larger than a volume) is split in ${big.length} pieces`)
  t.ok(new Set(big.map(p => p.volume)).size >= 2, 'its pieces lie on several discs')
  const forged = Buffer.from(first.toString().replace('"created":"', '"created":"1'))
  t.throws(() => openCatalog({ bytes: forged, signature: first.toString() }, mirrorPub), 'an altered catalog fails its signature')

  // every generation; or (`newest`) each service's newest, whose chain reads every disc's pieces of it
  const restoreAll = async (from: string, tag: string, o: { newest?: boolean } = {}): Promise<Array<{ discs: { used: string[]; repaired: string[] } }>> => {
    const results = []
    for (const [chain, gens] of [[w.wiki, ['20261120T030000Z-full', '20261121T030000Z-incr']], [w.forum, ['20261120T040000Z-full', '20261121T040000Z-diff']]] as const) {
      for (const gen of o.newest ? gens.slice(-1) : gens) {
        const to = join(w.dir, `restore-${tag}-${chain.service}-${gen}`)
        const rr = await roost(['restore', chain.service, gen, '--from', from, '--index-key', w.indexPub, '--to', to, '--json'])
        t.equal(rr.exitCode, 0, `${tag}: ${chain.service} ${gen} restores: ${rr.stderr}`)
        if (rr.exitCode !== 0) continue
        results.push(JSON.parse(rr.stdout))
        const src = chain.copies.get(gen)!
        t.same(await compareTrees(src, join(to, chain.source)), [], `${tag}: ${chain.service} ${gen} is bit-exact`)
      }
    }
    return results
  }

  t.test('every generation from the images alone', async t => {
    const res = await restoreAll(out, 'clean')
    t.ok(res.every(x => x.discs.repaired.length === 0), 'no repair was needed')
    const list = await roost(['restore', 'wiki', '20261121T030000Z-incr', '--list', '--from', out, '--index-key', w.indexPub])
    t.equal(list.exitCode, 0, list.stderr)
    t.match(list.stdout, /config\/app\.ini/, '--list shows what a generation on the discs holds')
    const neither = await roost(['restore', 'wiki', '--from', w.root, '--index-key', w.indexPub, '--to', join(w.dir, 'neither')])
    t.equal(neither.exitCode, 1)
    t.match(neither.stderr, /neither a store folder .* nor a folder of disc images/)
    const v = await roost(['mirror', 'volumes', '--verify', out, '--config', w.config, '--json'])
    t.equal(v.exitCode, 0, v.stderr)
    t.equal(JSON.parse(v.stdout).sets[0].ok.length, r.volumes.length)
  })

  t.test('flipped bytes in one image: verify says repairable (exit 3); restore repairs through par2', async t => {
    const bad = join(w.dir, 'flipped')
    await fs.mkdir(bad)
    for (const img of images) await fs.copyFile(img, join(bad, img.slice(img.lastIndexOf('/') + 1)))
    // flip bytes inside the big archive's piece on disc 2: find its data by content
    const victim = join(bad, r.volumes[1].label + '.iso')
    const fd = openSync(victim, 'r+')
    const size = fstatSync(fd).size
    for (let off = Math.floor(size * 0.4); off < size * 0.6; off += 65536) writeSync(fd, Buffer.from('roost was here'), 0, 14, off)
    closeSync(fd)
    const v = await roost(['mirror', 'volumes', '--verify', bad, '--config', w.config, '--json'])
    t.equal(v.exitCode, 3, 'damage is a verification failure')
    const check = JSON.parse(v.stdout).sets[0]
    t.same(check.damaged.map((d: { label: string }) => d.label), [r.volumes[1].label])
    t.equal(check.parity, 'repairable')
    const res = await restoreAll(bad, 'flipped', { newest: true })
    t.ok(res.some(x => x.discs.repaired.includes(r.set)), 'the set was repaired with par2')
  })

  t.test('one whole image deleted: restore rebuilds it; two deleted: the discs to bring are named', async t => {
    const lost = join(w.dir, 'lost')
    await fs.mkdir(lost)
    for (const img of images.slice(1)) await fs.copyFile(img, join(lost, img.slice(img.lastIndexOf('/') + 1)))
    const v = await roost(['mirror', 'volumes', '--verify', lost, '--config', w.config, '--json'])
    t.equal(v.exitCode, 3)
    t.same(JSON.parse(v.stdout).sets[0].missing, [r.volumes[0].label])
    t.equal(JSON.parse(v.stdout).sets[0].parity, 'repairable')
    const res = await restoreAll(lost, 'lost', { newest: true })
    t.ok(res.some(x => x.discs.repaired.includes(r.set)))
    await fs.rm(join(lost, `${r.volumes[1].label}.iso`))
    const rr = await roost(['restore', 'wiki', '--from', lost, '--index-key', w.indexPub, '--to', join(w.dir, 'too-few')])
    t.equal(rr.exitCode, 1, 'two lost discs of a set that survives one cannot be restored')
    t.match(rr.stderr, r.volumes[0].label)
    t.match(rr.stderr, r.volumes[1].label)
    t.same(await fs.readdir(join(w.dir, 'too-few')).catch(() => []), [], 'nothing was written')
  })

  t.test('mounted discs (one folder each) restore too; a forged catalog or index is refused with exit 3', async t => {
    const mounted = join(w.dir, 'mounted')
    await fs.mkdir(mounted)
    for (const v of r.volumes) execFileSync('xorriso', ['-no_rc', '-osirrox', 'on', '-indev', v.path, '-extract', '/', join(mounted, v.label)], { stdio: 'ignore' })
    await restoreAll(mounted, 'mounted', { newest: true })
    const forgedCat = join(w.dir, 'forged-cat')
    await fs.cp(mounted, forgedCat, { recursive: true })
    for (const v of r.volumes) {
      const p = join(forgedCat, v.label, 'CATALOG.json')
      await fs.chmod(p, 0o644)
      const text = await fs.readFile(p, 'utf8')
      const altered = text.replace(/"created":"\d{4}/, '"created":"1999')
      t.not(altered, text)
      await fs.writeFile(p, altered)
    }
    const fc = await roost(['restore', 'wiki', '--from', forgedCat, '--index-key', w.indexPub, '--to', join(w.dir, 'x1')])
    t.equal(fc.exitCode, 3, 'an altered catalog is refused')
    t.match(fc.stderr, /CATALOG_BAD_SIGNATURE|signature/)
    const other = join(w.dir, 'other-index')
    execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', other])
    const fi = await roost(['restore', 'wiki', '--from', mounted, '--index-key', `${other}.pub`, '--to', join(w.dir, 'x2')])
    t.equal(fi.exitCode, 3, 'discs whose index another key signed are refused')
    t.match(fi.stderr, /INDEX_BAD_SIGNATURE|signature/)
  })

  t.test('burn to a file stands in for a drive; --dry-run burns nothing', async t => {
    const target = join(w.dir, 'burned.img')
    const dry = await roost(['mirror', 'burn', images[0], '--drive', `stdio:${target}`, '--dry-run'])
    t.equal(dry.exitCode, 0, dry.stderr)
    t.match(dry.stdout, /would run: xorriso/)
    t.notOk(await fs.stat(target).then(() => true, () => false))
    const b = await roost(['mirror', 'burn', images[0], '--drive', `stdio:${target}`, '--config', w.config, '--json'])
    t.equal(b.exitCode, 0, b.stderr)
    t.ok(JSON.parse(b.stdout).burned)
    const rec = (await fs.readFile(join(w.root, 'state', 'burns.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l))
    t.equal(rec[0].label, r.volumes[0].label)
    const notOurs = join(w.dir, 'plain.iso')
    execFileSync('xorriso', ['-no_rc', '-outdev', `stdio:${notOurs}`, '-volid', 'SOMETHING', '-map', join(w.root, 'keys'), '/', '-commit'], { stdio: 'ignore' })
    const n = await roost(['mirror', 'burn', notOurs, '--drive', `stdio:${target}2`])
    t.equal(n.exitCode, 2, 'an image that is not a roost disc is refused')
  })

  t.test('a volumes run killed with SIGKILL leaves nothing recorded; the next run clears its remains and makes the set', async t => {
    const out = join(w.dir, 'discs-killed')
    const recorded = await fs.readdir(join(w.root, 'state', 'sets'))
    const child = spawn(NODE[0], [...NODE.slice(1), ROOST, 'mirror', 'volumes', '--media', String(MEDIA_BYTES), '--out', out, '--config', w.config], { detached: true, stdio: 'ignore' })
    const exited = new Promise(r => child.on('exit', r))
    // wait until it is writing images, then kill it and everything it started
    const writing = await waitFor(async () => {
      for (const name of await fs.readdir(out).catch(() => [] as string[])) {
        const files = await fs.readdir(join(out, name)).catch(() => [] as string[])
        if (files.includes('.unfinished') && files.some(f => f.endsWith('.tmp') || f.endsWith('.iso'))) return name
      }
      return undefined
    }, 60_000, 'the run to write an image')
    process.kill(-child.pid!, 'SIGKILL')
    await exited
    t.ok(await fs.stat(join(out, writing, '.unfinished')).then(() => true, () => false), 'the killed run left its folder marked unfinished')
    t.same(await fs.readdir(join(w.root, 'state', 'sets')), recorded, 'and recorded no set')
    const again = await roost(['mirror', 'volumes', '--media', String(MEDIA_BYTES), '--out', out, '--config', w.config, '--json'])
    t.equal(again.exitCode, 0, again.stderr)
    const r = JSON.parse(again.stdout)
    t.equal(r.set, writing, 'the set id is reused')
    t.same((await fs.readdir(out)).sort(), [writing], 'no staging or half-written set is left')
    t.notOk((await fs.readdir(join(out, writing))).some(f => f.startsWith('.')), 'no marker or temp file in the set')
    const v = await roost(['mirror', 'volumes', '--verify', out, '--config', w.config])
    t.equal(v.exitCode, 0, v.stdout + v.stderr)
  })
  t.test('bad usage: unknown media, a size not in sectors, --verify with --media; a one-CD set', async t => {
    for (const media of ['floppy', '1000000', '100K']) {
      const b = await roost(['mirror', 'volumes', '--media', media, '--out', join(w.dir, 'o'), '--config', w.config])
      t.equal(b.exitCode, 2, `--media ${media}: ${b.stderr.trim()}`)
    }
    const both = await roost(['mirror', 'volumes', '--media', 'dvd', '--verify', w.dir, '--config', w.config])
    t.equal(both.exitCode, 2)
    const one = await roost(['mirror', 'volumes', '--media', 'cd', '--out', join(w.dir, 'cd'), '--config', w.config, '--json'])
    t.equal(one.exitCode, 0, one.stderr)
    const j = JSON.parse(one.stdout)
    t.equal(j.volumes.length, 1, 'the whole tree is one CD')
    t.equal(j.capacity, MEDIA.cd)
    t.notOk(j.parity.survivesDiscLoss, 'one disc cannot survive its own loss')
    t.ok(j.parity.redundancyPercent >= 10, 'but carries 10% parity against damage')
    t.notMatch(one.stderr, /\x1b\[K|staging/, 'no progress drawn when stderr is not a terminal')
    // on a terminal (a real pty made by util-linux script): the progress line is drawn and ended
    const tty = spawnSync('script', ['-qec', `${NODE_SH} ${ROOST} mirror volumes --media cd --out ${join(w.dir, 'cd-tty')} --config ${w.config}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ROOST_LOG_LEVEL: 'warn' }, timeout: 120_000 })
    t.equal(tty.status, 0, tty.stdout.slice(-500))
    t.match(tty.stdout, /\r\x1b\[Kvolumes: \d{4}W\d{2}[B-Z]?: staging [\d.]+ \w+ of [\d.]+ \w+ \(100%\)/, 'staging progress')
    t.match(tty.stdout, /volumes: \d{4}W\d{2}[B-Z]?: image 1 of 1 \(100%\)/, 'image progress')
  })
})

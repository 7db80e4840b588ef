/**
 * `roost restore` through the built binary against a real hub: from a copy of the hub's
 * store, from a mirror's store and from the hub over SSH, each bit-exact with the source
 * (content, modes, mtimes, owners, symlinks, hardlinks, odd names); a tampered archive is
 * exit 3 with the target left empty; a non-empty target without --force is exit 2.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { dumpYaml } from '../../lib/config/load.js'
import { generationId } from '../../lib/formats/names.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { addMirror, deliver, roost, startHubWorld } from '../lib/stores/hub-world.js'

const G1 = generationId(new Date(Date.now() - 3_600_000), 'full')

t.test('restore from a store folder, a mirror and the hub; refuses tampering and a busy target', async t => {
  const dir = t.testdir()
  const w = await startHubWorld(dir, ['wiki'])
  t.teardown(() => w.hub.stop())
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'wiki', largeBytes: 2 * 1024 * 1024 })
  await deliver(w, 'wiki', G1, src)
  const hubStore = join(w.hubRoot, 'store')

  const toStore = join(dir, 'from-store')
  const r1 = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', toStore, '--json'])
  t.equal(r1.exitCode, 0, 'restore from the hub store folder exits 0', { stderr: r1.stderr })
  const result = JSON.parse(r1.stdout) as { service: string; generation: string; files: number; bytes: number; source: string }
  t.match(result, { service: 'wiki', generation: G1, source: hubStore })
  t.ok(result.files > 50 && result.bytes > 2 * 1024 * 1024, 'reports files and bytes')
  t.same(await compareTrees(src, join(toStore, src)), [], "from the hub's store folder: bit-exact")

  const mirror = join(dir, 'mirror')
  const init = await roost(['mirror', 'init', mirror, '--upstream', `127.0.0.1:${w.port}`, '--name', 'm1', '--index-key', w.indexPub, '--host-key', w.hostPub])
  t.equal(init.exitCode, 0, 'mirror init exits 0', { stderr: init.stderr })
  await addMirror(w, 'm1', /--key '([^']+)'/.exec(init.stdout)![1]!)
  t.equal((await roost(['mirror', 'sync', '--config', join(mirror, 'mirror.yaml')])).exitCode, 0, 'mirror sync exits 0')
  const toMirror = join(dir, 'from-mirror')
  const r2 = await roost(['restore', 'wiki', G1, '--from', join(mirror, 'store'), '--config', join(mirror, 'mirror.yaml'), '--to', toMirror])
  t.equal(r2.exitCode, 0, 'restore from the mirror store exits 0', { stderr: r2.stderr })
  t.same(await compareTrees(src, join(toMirror, src)), [], "from the mirror's store (index key from mirror.yaml): bit-exact")

  const spokeDir = join(dir, 'spoke')
  await fs.mkdir(spokeDir)
  const hostKey = (await readPublicKeyArg(w.hostPub)).line
  await fs.writeFile(join(spokeDir, 'spoke.yaml'), dumpYaml({ service: 'wiki', hub: { host: '127.0.0.1', port: w.port, hostKey }, key: w.keys.wiki!.path, sources: [src] }))
  const toHub = join(dir, 'from-hub')
  const r3 = await roost(['restore', 'wiki', '--from', 'hub', '--config', join(spokeDir, 'spoke.yaml'), '--to', toHub])
  t.equal(r3.exitCode, 0, 'restore from the hub over SSH exits 0', { stderr: r3.stderr })
  t.same(await compareTrees(src, join(toHub, src)), [], 'from the hub over SSH with the spoke config: bit-exact')
  t.same((await fs.readdir(join(spokeDir, 'state'))).filter(n => n.startsWith('restore-')), [], 'the temp folder is gone')

  const busy = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', toStore])
  t.equal(busy.exitCode, 2, 'a non-empty target without --force is refused')
  t.match(busy.stderr, /not empty/)
  const forced = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', toStore, '--force'])
  t.equal(forced.exitCode, 0, 'restore --force exits 0', { stderr: forced.stderr })
  t.same(await compareTrees(src, join(toStore, src)), [], 'with --force it restores over it')

  // restore hooks: run after the files are in place, told where; a failing one is exit 1 with the files kept
  const hooked = join(dir, 'hooked')
  const envOut = join(dir, 'restore-hook.env')
  const hookYaml = (name: string, service: string, run: string[]): Promise<string> => {
    const file = join(spokeDir, name)
    const yaml = dumpYaml({ service, hub: { host: '127.0.0.1', port: w.port, hostKey }, key: w.keys.wiki!.path, sources: [src], hooks: { restore: [{ name: 'load', run, env: { DUMP: 'pages' } }] } })
    return fs.writeFile(file, yaml).then(() => file)
  }
  const okYaml = await hookYaml('hooks-ok.yaml', 'wiki', ['sh', '-c', `env > ${envOut}; test -d "$ROOST_RESTORE_DIR${src}" && echo "loaded 3 tables"`])
  const h1 = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', hooked, '--hooks', okYaml, '--hook-env', 'TARGET_TIME=2026-11-20 12:00:00+00', '--json'])
  t.equal(h1.exitCode, 0, 'restore --hooks exits 0', { stderr: h1.stderr })
  t.match(JSON.parse(h1.stdout), { generation: G1, hooks: [{ name: 'load', phase: 'restore', exitCode: 0, ok: true, output: 'loaded 3 tables' }] }, 'what the hook printed is in the result')
  const env = await fs.readFile(envOut, 'utf8')
  t.match(env, /^TARGET_TIME=2026-11-20 12:00:00\+00$/m, '--hook-env reaches the hook')
  t.match(env, new RegExp(`^ROOST_RESTORE_DIR=${hooked}$`, 'm'), 'the hook is told the restore folder')
  t.match(env, new RegExp(`^ROOST_GENERATION=${G1}$`, 'm'))
  t.match(env, /^ROOST_PHASE=restore$/m)
  t.match(env, /^DUMP=pages$/m, "the hook's own env is passed")
  const badYaml = await hookYaml('hooks-bad.yaml', 'wiki', ['sh', '-c', 'echo "cannot load the dump" >&2; exit 4'])
  const hooked2 = join(dir, 'hooked2')
  const h2 = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', hooked2, '--hooks', badYaml])
  t.equal(h2.exitCode, 1, 'a failing restore hook is exit 1')
  t.match(h2.stderr, /restore hook 'load' exited 4: cannot load the dump/)
  t.same(await compareTrees(src, join(hooked2, src)), [], 'the restored files stay in place')
  const otherYaml = await hookYaml('hooks-other.yaml', 'forum', ['true'])
  const hooked3 = join(dir, 'hooked3')
  const h3 = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', hooked3, '--hooks', otherYaml])
  t.equal(h3.exitCode, 2, "another service's config is a usage error")
  t.match(h3.stderr, /service 'forum', not 'wiki'/)
  await t.rejects(fs.stat(hooked3), 'nothing was restored')
  for (const bad of [['--hook-env', 'ROOST_KIND=full', '--hooks', okYaml], ['--hook-env', 'NOEQUALS', '--hooks', okYaml], ['--hook-env', 'A=1']]) {
    const r = await roost(['restore', 'wiki', '--from', hubStore, '--index-key', w.indexPub, '--to', hooked3, ...bad])
    t.equal(r.exitCode, 2, `restore ${bad.join(' ')} is a usage error`)
    t.match(r.stderr, /--hook-env/)
  }
  await t.rejects(fs.stat(hooked3), 'nothing was restored')

  // tampering: a valid zstd of a different tar in place of the stored archive
  const other = join(dir, 'data', 'other')
  await makeServiceTree(other, { seed: 'other', largeBytes: 4096 })
  const copy = join(dir, 'store-copy')
  execFileSync('cp', ['-a', hubStore, copy])
  execFileSync('chmod', ['-R', 'u+w', copy])
  const forgedZst = join(dir, 'forged.tar.zst')
  execFileSync('sh', ['-c', 'tar -cf - -C "$1" . | zstd -q -c > "$2"', 'sh', other, forgedZst])
  await fs.copyFile(forgedZst, join(copy, 'wiki', G1, 'data.tar.zst'))
  const target = join(dir, 'tampered')
  const bad = await roost(['restore', 'wiki', '--from', copy, '--index-key', w.indexPub, '--to', target])
  t.equal(bad.exitCode, 3, 'a tampered store copy is refused')
  t.match(bad.stderr, /data\.tar\.zst/)
  t.same(await fs.readdir(target), [], 'the target stays empty')

  const stored = join(hubStore, 'wiki', G1)
  await fs.chmod(stored, 0o755)
  await fs.chmod(join(stored, 'data.tar.zst'), 0o644)
  await fs.copyFile(forgedZst, join(stored, 'data.tar.zst'))
  const badHub = await roost(['restore', 'wiki', '--from', 'hub', '--config', join(spokeDir, 'spoke.yaml'), '--to', target])
  t.equal(badHub.exitCode, 3, 'tampered on the hub: the signed manifest catches it')
  t.match(badHub.stderr, /signed manifest/)
  t.same(await fs.readdir(target), [], 'the target stays empty')

  const noKey = await roost(['restore', 'wiki', '--from', hubStore, '--to', join(dir, 'x')], { env: { ROOST_CONFIG: join(dir, 'nothing.yaml') } })
  t.equal(noKey.exitCode, 2, 'a store folder without an index key is a usage error')
})

/**
 * Restore against hostile archives. The spoke that made them is the attacker: every manifest is
 * validly signed by the service's key and the store folder's index is genuine, so only what tar
 * would do with the content stands between the archive and the restoring host (often root).
 * For every case: nothing outside the target is written, changed or linked to, and a refused
 * restore exits non-zero naming the member, leaving the target empty.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { restoreGeneration } from '../../lib/restore/restore.js'
import { StoreFolderReader } from '../../lib/stores/store-folder.js'
import { isRoostError } from '../../lib/errors.js'
import { silentLogger } from '../../lib/log.js'
import { makeKey, publishStore } from '../lib/stores/make-store.js'
import { fingerprint, scratch, storeTar, writeTar, type Member } from './kit.js'
import type { GenerationRecord } from '../../lib/formats/tree.js'

const FULL = '20261120T030000Z-full'
const INCR = '20261121T030000Z-incr'

const dir = await scratch('restore')
t.teardown(() => fs.rm(dir, { recursive: true, force: true }))
const outside = join(dir, 'outside')
await fs.mkdir(outside)
await fs.writeFile(join(outside, 'victim.txt'), 'not yours\n')
const idx = await makeKey(dir, 'index')
const spoke = await makeKey(dir, 'spoke')
const store = join(dir, 'store')
const work = join(dir, 'work')
await fs.mkdir(work)

const records: GenerationRecord[] = []
const services: string[] = []
async function generation(service: string, gen: string, members: Member[], parent?: string): Promise<void> {
  const tar = join(work, `${service}-${gen}.tar`)
  await writeTar(tar, [{ name: 'srv/', type: '5' }, { name: `srv/${service}/`, type: '5' }, ...members])
  records.push(await storeTar(store, service, gen, tar, spoke, parent ? { parent } : {}))
  if (!services.includes(service)) services.push(service)
}

// an absolute path (tar strips the leading /)
await generation('abs', FULL, [{ name: `srv/abs/ok.txt`, data: 'ok\n' }, { name: `${outside}/abs.txt`, data: 'escaped\n' }])
// a name climbing out with ..
await generation('dotdot', FULL, [{ name: 'srv/dotdot/ok.txt', data: 'ok\n' }, { name: `srv/dotdot/../../../../../../../..${outside}/dotdot.txt`, data: 'escaped\n' }])
// a symlink out of the target, then a file written through it, in one archive
await generation('onelink', FULL, [
  { name: 'srv/onelink/esc', type: '2', linkname: outside },
  { name: 'srv/onelink/esc/through.txt', data: 'escaped\n' },
  { name: 'srv/onelink/rel', type: '2', linkname: `../../../../../../../..${outside}` },
  { name: 'srv/onelink/rel/through-rel.txt', data: 'escaped\n' },
])
// the same across a chain: the full leaves the symlink, the incr writes through it
await generation('chain', FULL, [{ name: 'srv/chain/esc', type: '2', linkname: outside }, { name: 'srv/chain/keep', type: '2', linkname: 'esc' }])
await generation('chain', INCR, [{ name: 'srv/chain/esc/through-chain.txt', data: 'escaped\n' }], FULL)
// … or hardlinks an outside file into the restore through it
await generation('hardlink', FULL, [{ name: 'srv/hardlink/esc', type: '2', linkname: outside }])
await generation('hardlink', INCR, [{ name: 'srv/hardlink/stolen', type: '1', linkname: 'srv/hardlink/esc/victim.txt' }], FULL)
// setuid/setgid files, a device node and a setgid folder: kept only when asked
await generation('modes', FULL, [
  { name: 'srv/modes/su', data: 'suid\n', mode: 0o4755 },
  { name: 'srv/modes/sg', data: 'sgid\n', mode: 0o2755 },
  { name: 'srv/modes/plain', data: 'plain\n', mode: 0o755 },
  { name: 'srv/modes/dev', type: '3' },
  { name: 'srv/modes/shared/', type: '5', mode: 0o2775 },
])
await publishStore(store, records, Object.fromEntries(services.map(s => [s, spoke.public.line])), 1, idx)

const outsideBefore = await fingerprint(outside)

const reader = await StoreFolderReader.open(store, idx.public)

/** `roost restore SERVICE GEN --from STORE --to DIR` in-process: the exit code it would give, its error text. */
async function restore(service: string, gen: string): Promise<{ exitCode: number; stderr: string; to: string }> {
  const to = join(dir, `to-${service}-${gen}`)
  try {
    await restoreGeneration({ reader, service, generation: gen, to, log: silentLogger() })
    return { exitCode: 0, stderr: '', to }
  } catch (err) {
    if (!isRoostError(err)) throw err
    return { exitCode: err.exitCode, stderr: `${err.code}: ${err.message}\n${err.hint ?? ''}`, to }
  }
}

t.test('an absolute member path lands inside the target, never at that path', async t => {
  const r = await restore('abs', FULL)
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(await fs.readFile(join(r.to, outside, 'abs.txt'), 'utf8'), 'escaped\n', 'written under the target, leading / dropped')
  t.equal(await fs.readFile(join(r.to, 'srv', 'abs', 'ok.txt'), 'utf8'), 'ok\n')
  t.same(await fingerprint(outside), outsideBefore, 'nothing written outside the target')
})

t.test('a member name climbing out with .. is refused, and nothing is restored', async t => {
  const r = await restore('dotdot', FULL)
  t.equal(r.exitCode, 1)
  t.match(r.stderr, /TAR_FAILED/)
  t.match(r.stderr, /Member name contains '\.\.'/, 'names why')
  t.same(await fs.readdir(r.to), [], 'the target stays empty')
  t.same(await fingerprint(outside), outsideBefore, 'nothing written outside the target')
})

t.test('a symlink out of the target, then a file through it in the same archive, is refused', async t => {
  const r = await restore('onelink', FULL)
  t.equal(r.exitCode, 1)
  t.match(r.stderr, /srv\/onelink\/esc\/through\.txt: Cannot open: Not a directory/, 'names the member')
  t.same(await fs.readdir(r.to), [], 'the target stays empty')
  t.same(await fingerprint(outside), outsideBefore, 'nothing written outside the target')
})

t.test("a symlink out left by a chain's full, then a file written through it by the incr, is refused", async t => {
  const r = await restore('chain', INCR)
  t.equal(r.exitCode, 1)
  t.match(r.stderr, /srv\/chain\/esc\/through-chain\.txt: Cannot open: Not a directory/, 'names the member')
  t.same(await fs.readdir(r.to), [], 'the target stays empty')
  t.same(await fingerprint(outside), outsideBefore, 'nothing written outside the target')
  const full = await restore('chain', FULL)
  t.equal(full.exitCode, 0, 'the full alone restores (its links are only links)')
  t.equal(await fs.readlink(join(full.to, 'srv', 'chain', 'esc')), outside)
  t.equal(await fs.readlink(join(full.to, 'srv', 'chain', 'keep')), 'esc')
})

t.test("a hardlink through a chain's symlink to a file outside the target is refused", async t => {
  const r = await restore('hardlink', INCR)
  t.not(r.exitCode, 0)
  t.match(r.stderr, /srv\/hardlink\/stolen: Cannot hard link/, 'names the member')
  t.same(await fs.readdir(r.to), [], 'the target stays empty')
  t.equal((await fs.stat(join(outside, 'victim.txt'))).nlink, 1, 'the outside file gained no link')
  t.same(await fingerprint(outside), outsideBefore)
})

t.test('setuid/setgid bits are cleared and device nodes left out unless asked; folders keep setgid', async t => {
  const to = join(dir, 'to-modes')
  const r = await restoreGeneration({ reader, service: 'modes', generation: FULL, to, log: silentLogger() })
  const mode = async (name: string): Promise<number> => (await fs.lstat(join(to, 'srv', 'modes', name))).mode & 0o7777
  t.equal(await mode('su'), 0o755, 'setuid cleared')
  t.equal(await mode('sg'), 0o755, 'setgid cleared on a file')
  t.equal(await mode('plain'), 0o755)
  t.equal(await mode('shared'), 0o2775, 'a folder keeps its setgid bit')
  t.notOk(await fs.lstat(join(to, 'srv', 'modes', 'dev')).catch(() => undefined), 'the device node is left out')
  t.same(r.setuidCleared.sort(), ['srv/modes/sg', 'srv/modes/su'], 'the result names them')
  t.same(r.devicesLeftOut, process.getuid?.() === 0 ? ['srv/modes/dev'] : [], 'and the device left out (only root can make one)')
  t.same(await fingerprint(outside), outsideBefore, 'nothing written outside the target')

  const kept = join(dir, 'to-modes-kept')
  const k = await restoreGeneration({ reader, service: 'modes', generation: FULL, to: kept, keepSetuid: true, keepDevices: true, log: silentLogger() })
  t.equal((await fs.lstat(join(kept, 'srv', 'modes', 'su'))).mode & 0o7777, 0o4755, '--keep-setuid keeps it')
  t.same([k.setuidCleared, k.devicesLeftOut], [[], []])
  if (process.getuid?.() === 0) t.ok((await fs.lstat(join(kept, 'srv', 'modes', 'dev'))).isCharacterDevice(), '--keep-devices keeps the node (as root)')
})

import t, { type Test } from 'tap'
import { exitCodeFor, isRoostError, RoostError } from '../../../lib/errors.js'
import { checkListing, checkMembers, exportMembers, parseExportInfo, parseListingLine, type ExportInfo, type ListedMember } from '../../../lib/export/format.js'

const F = '20261122T030000Z-full'
const I1 = '20261123T030000Z-incr'
const I2 = '20261124T030000Z-incr'
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGnn3yB2hAJf8pmvXnMoD6Ctjx0bZfE8X3K0H9LVvJ4O'

const info = (over: Partial<ExportInfo> = {}): ExportInfo => ({
  format: 'roost-export/1', service: 'wiki', generation: I2, chain: [F, I1, I2], created: '2026-12-01T00:00:00.000Z', key: KEY, roost: '0.1.0', ...over,
})

const listed = (names: string[], type = '-'): ListedMember[] => names.map(name => ({ type, size: 100, name }))

function code(t: Test, fn: () => unknown, want: string, match: RegExp): void {
  try {
    fn()
    t.fail(`expected ${want}`)
  } catch (err) {
    t.ok(isRoostError(err, want as never), `${want}: ${(err as Error).message}`)
    t.match((err as Error).message, match)
  }
}

t.test('an export holds roost-export.json, then manifest and archive of every link, oldest first', async t => {
  t.same(exportMembers([F, I1]), ['roost-export.json', `${F}/manifest.json`, `${F}/data.tar.zst`, `${I1}/manifest.json`, `${I1}/data.tar.zst`])
})

t.test('roost-export.json is checked: format, chain order, chain ends with the generation and starts with a full', async t => {
  t.same(parseExportInfo(JSON.stringify(info()), 'x'), info())
  code(t, () => parseExportInfo('{', 'x'), 'EXPORT_INVALID', /not JSON/)
  code(t, () => parseExportInfo(JSON.stringify({ ...info(), extra: 1 }), 'x'), 'EXPORT_INVALID', /extra/)
  code(t, () => parseExportInfo(JSON.stringify(info({ format: 'roost-export/2' as never })), 'x'), 'EXPORT_INVALID', /format/)
  code(t, () => parseExportInfo(JSON.stringify(info({ chain: [F, I2, I1] })), 'x'), 'EXPORT_INVALID', /not in order/)
  code(t, () => parseExportInfo(JSON.stringify(info({ chain: [F, F, I2] })), 'x'), 'EXPORT_INVALID', /not in order/)
  code(t, () => parseExportInfo(JSON.stringify(info({ chain: [F, I1] })), 'x'), 'EXPORT_INVALID', /does not end with/)
  code(t, () => parseExportInfo(JSON.stringify(info({ chain: [I1, I2] })), 'x'), 'EXPORT_INVALID', /start with a full/)
  code(t, () => parseExportInfo(JSON.stringify(info({ service: '../etc' })), 'x'), 'EXPORT_INVALID', /service/)
  t.equal(exitCodeFor(new RoostError('EXPORT_INVALID', 'x')), 3, 'an invalid export is exit 3')
})

t.test('reads tar --list --verbose lines: regular files, links and devices', async t => {
  t.same(parseListingLine('-rw-r--r-- 0/0           12345 2026-12-01 00:00:00 roost-export.json', 'x'), { type: '-', size: 12345, name: 'roost-export.json' })
  t.same(parseListingLine('-rw-r--r-- 0/0               5 1970-01-01 00:00:00 a name with spaces', 'x').name, 'a name with spaces')
  t.same(parseListingLine('lrwxrwxrwx 0/0               0 1970-01-01 00:00:00 lnk -> /etc/passwd', 'x'), { type: 'l', size: 0, name: 'lnk' })
  t.same(parseListingLine('hrw-r--r-- 0/0               0 1970-01-01 00:00:00 hl link to a/b', 'x'), { type: 'h', size: 0, name: 'hl' })
  code(t, () => parseListingLine('crw-r--r-- 0/0             1,3 1970-01-01 00:00:00 dev/null', 'x'), 'EXPORT_INVALID', /regular files only/)
})

t.test('a listing with anything but the expected members is refused before anything is read', async t => {
  const good = exportMembers([F, I1])
  t.doesNotThrow(() => checkListing(listed(good), 'x'))
  code(t, () => checkListing(listed(good.slice(1)), 'x'), 'EXPORT_INVALID', /first member is not roost-export.json/)
  code(t, () => checkListing(listed([...good, '../x']), 'x'), 'EXPORT_INVALID', /'\.\.\/x' points outside/)
  code(t, () => checkListing(listed([...good, `${F}/../../x`]), 'x'), 'EXPORT_INVALID', /points outside/)
  code(t, () => checkListing(listed([...good, '/etc/cron.d/x']), 'x'), 'EXPORT_INVALID', /'\/etc\/cron.d\/x' points outside/)
  code(t, () => checkListing([...listed(good), { type: 'l', size: 0, name: `${I1}/data.tar` }], 'x'), 'EXPORT_INVALID', /is a symbolic link/)
  code(t, () => checkListing([...listed(good), { type: 'h', size: 0, name: `${I1}/x` }], 'x'), 'EXPORT_INVALID', /is a hard link/)
  code(t, () => checkListing([...listed(good), { type: 'd', size: 0, name: `${I1}/` }], 'x'), 'EXPORT_INVALID', /is a folder/)
  code(t, () => checkListing(listed([...good, `${I1}/notes.txt`]), 'x'), 'EXPORT_INVALID', /not part of a roost export/)
  code(t, () => checkListing(listed([...good, `${I1}/data.tar.zst`]), 'x'), 'EXPORT_INVALID', /appears twice/)
  code(t, () => checkListing([{ type: '-', size: 65 * 1024, name: 'roost-export.json' }], 'x'), 'EXPORT_INVALID', /more than/)
  code(t, () => checkListing([...listed(good), { type: '-', size: 2 * 1024 * 1024, name: `${I2}/manifest.json` }], 'x'), 'EXPORT_INVALID', /more than/)
})

t.test('the listing must be exactly the chain roost-export.json names, in order', async t => {
  const i = info({ chain: [F, I1], generation: I1 })
  t.doesNotThrow(() => checkMembers(listed(exportMembers([F, I1])), i, 'x'))
  code(t, () => checkMembers(listed(exportMembers([F])), i, 'x'), 'EXPORT_INVALID', /member 4 is missing/)
  code(t, () => checkMembers(listed(exportMembers([F, I1, I2])), i, 'x'), 'EXPORT_INVALID', /not in the chain/)
  const swapped = exportMembers([F, I1])
  ;[swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!]
  code(t, () => checkMembers(listed(swapped), i, 'x'), 'EXPORT_INVALID', /member 4 is '.*data.tar.zst'; roost-export.json says it is '.*manifest.json'/)
})

t.test("an encrypted link's archive is its data.tar.zst.age, checked by name and place like any other", async t => {
  const sealed = (g: string): string => (g === I1 ? 'data.tar.zst.age' : 'data.tar.zst')
  const mixed = exportMembers([F, I1], sealed)
  t.same(mixed, ['roost-export.json', `${F}/manifest.json`, `${F}/data.tar.zst`, `${I1}/manifest.json`, `${I1}/data.tar.zst.age`], 'a chain may switch to encryption')
  t.doesNotThrow(() => checkListing(listed(mixed), 'x'))
  t.doesNotThrow(() => checkMembers(listed(mixed), info({ chain: [F, I1], generation: I1 }), 'x'))
  t.doesNotThrow(() => checkMembers(listed(exportMembers([F, I1], () => 'data.tar.zst.age')), info({ chain: [F, I1], generation: I1 }), 'x'))
  code(t, () => checkListing(listed([...mixed.slice(0, 4), `${I1}/data.tar.age`]), 'x'), 'EXPORT_INVALID', /'.*data\.tar\.age' is not part of a roost export/)
  code(t, () => checkListing(listed([...mixed.slice(0, 4), `${I1}/data.tar.zst.age.sh`]), 'x'), 'EXPORT_INVALID', /not part of a roost export/)
  const both = [...mixed, `${I1}/data.tar.zst`]
  code(t, () => checkMembers(listed(both), info({ chain: [F, I1], generation: I1 }), 'x'), 'EXPORT_INVALID', /not in the chain/)
})

import t from 'tap'
import { ARRIVAL_CODES, checkArrival, describeWantFull, wantFullFor, type ArrivalFacts, type PassFacts, type Verdict } from '../../../hub/ingest/check-arrival.js'
import type { Manifest, UnsignedManifest } from '../../../lib/formats/manifest.js'
import { keygen, manifestFor, signedManifest, type TestKey } from './kit.js'

const GEN = '20261122T030000Z-full'
const TAR = {
  sha256: 'ab'.repeat(32),
  bytes: 10240,
  counts: { entries: 10, files: 5, dirs: 3, symlinks: 1, hardlinks: 1, other: 0, bytes: 10240 },
}

const dir = t.testdir()
const wiki: TestKey = await keygen(dir, 'wiki')
const blog: TestKey = await keygen(dir, 'blog')

function sign(over: Partial<UnsignedManifest> = {}, key = wiki, service = 'wiki', gen = GEN): Manifest {
  return signedManifest(key, manifestFor(service, gen, TAR, over)).manifest
}

function facts(m: Manifest = sign(), over: Partial<ArrivalFacts> = {}): ArrivalFacts {
  return {
    account: 'wiki',
    folder: m.generation,
    folderIsDir: true,
    registeredKey: wiki.line,
    quota: undefined,
    manifest: { state: 'parsed', manifest: m, bytes: 900 },
    entries: [{ name: 'data.tar', type: 'file', bytes: TAR.bytes }],
    stored: new Set(['20261120T030000Z-full', '20261121T030000Z-incr']),
    storedBytes: 5000,
    storedCopy: 'none',
    wantFull: null,
    lastReset: null,
    archived: new Set(),
    ...over,
  }
}

const goodCounts = { ...TAR.counts, bytes: 0 }
const goodPass: PassFacts = { sha256: TAR.sha256, bytes: TAR.bytes, listed: true, counts: goodCounts, storedBytes: 3000 }

// an encrypted service's arrival: data.tar.zst.age, hashed as ciphertext; counts.bytes is the tar's size
const AGE = { sha256: 'ef'.repeat(32), bytes: 4321 }
const ENCRYPTED: Partial<UnsignedManifest> = {
  files: [{ name: 'data.tar.zst.age', ...AGE }],
  compression: 'zstd',
  encryption: { recipients: ['age:0123456789abcdef', 'age:fedcba9876543210'] },
}
const ageEntries = [{ name: 'data.tar.zst.age', type: 'file' as const, bytes: AGE.bytes }]
// the pass over ciphertext: hashed and copied, never listed
const agePass: PassFacts = { ...AGE, storedBytes: AGE.bytes + 900 }
const encrypted = (over: Partial<UnsignedManifest> = {}, gen = GEN): Manifest => sign({ ...ENCRYPTED, ...over }, wiki, 'wiki', gen)

const RESET = '2026-11-21T12:00:00.000Z'
const forged = sign()
const edited: Manifest = { ...forged, counts: { ...forged.counts, files: 6 } }

const cases: Array<[string, ArrivalFacts, string]> = [
  ['accepts a good arrival before the pass', facts(), 'accepted'],
  ['accepts a good arrival after the pass', facts(sign(), { pass: goodPass }), 'accepted'],
  ['rejects an account that is not a service in hub.yaml', facts(sign(), { registeredKey: undefined }), 'ARRIVAL_UNKNOWN_SERVICE'],
  ['rejects an arrival that is a symlink, not a folder', facts(sign(), { folderIsDir: false, manifest: { state: 'not-a-file' } }), 'ARRIVAL_NOT_A_FILE'],
  ['rejects a manifest larger than the cap, unread', facts(sign(), { manifest: { state: 'too-large', bytes: 2_000_000, limit: 1_048_576 } }), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects a manifest.json that is a symlink', facts(sign(), { manifest: { state: 'not-a-file' } }), 'ARRIVAL_NOT_A_FILE'],
  ['rejects a manifest that fails the schema', facts(sign(), { manifest: { state: 'invalid', problem: "manifest.json: at '(top level)': unrecognized key: 'extra'" } }), 'ARRIVAL_BAD_MANIFEST'],
  ["rejects a manifest for another service (signed by that service's key)", facts(sign({}, blog, 'blog')), 'ARRIVAL_WRONG_SERVICE'],
  ['rejects a manifest whose generation is not its folder', facts(sign(), { folder: '20261122T040000Z-full' }), 'ARRIVAL_WRONG_FOLDER'],
  ['rejects a manifest edited after signing', facts(edited), 'ARRIVAL_BAD_SIGNATURE'],
  ["rejects a manifest signed by another service's key", facts(sign({}, blog)), 'ARRIVAL_BAD_SIGNATURE'],
  ['rejects when the registered key is not a valid key', facts(sign(), { registeredKey: 'ssh-ed25519 AAAAnotakey' }), 'ARRIVAL_BAD_SIGNATURE'],
  ['rejects a kind that does not match the generation id', facts(sign({ kind: 'diff', base: '20261120T030000Z-full' })), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects a full that names a base', facts(sign({ base: '20261120T030000Z-full' })), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects a diff without a base', facts(sign({ kind: 'diff' }, wiki, 'wiki', '20261122T030000Z-diff')), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects a diff whose base is not a full', facts(sign({ kind: 'diff', base: '20261121T030000Z-incr' }, wiki, 'wiki', '20261122T030000Z-diff')), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects a base that is not older', facts(sign({ kind: 'diff', base: '20261123T030000Z-full' }, wiki, 'wiki', '20261122T030000Z-diff')), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects an archive this hub cannot store (compressed)', facts(sign({ compression: 'zstd' })), 'ARRIVAL_UNSUPPORTED'],
  ['rejects a generation id already in the store', facts(sign(), { stored: new Set([GEN]) }), 'ARRIVAL_REPLAYED'],
  ['rejects a replay of a stored generation with no pending accept', facts(sign(), { storedCopy: 'present' }), 'ARRIVAL_REPLAYED'],
  ['finishes an accept a crash interrupted after the store rename', facts(sign(), { storedCopy: 'interrupted', stored: new Set([GEN]) }), 'accepted'],
  ['rejects a diff whose base is not stored (asks for a full)', facts(sign({ kind: 'diff', base: '20261119T030000Z-full' }, wiki, 'wiki', '20261122T030000Z-diff')), 'ARRIVAL_MISSING_BASE'],
  ['rejects an incr whose parent is not stored', facts(sign({ kind: 'incr', parent: '20261121T040000Z-incr' }, wiki, 'wiki', '20261122T030000Z-incr')), 'ARRIVAL_MISSING_BASE'],
  ['accepts a diff whose base is stored', facts(sign({ kind: 'diff', base: '20261120T030000Z-full' }, wiki, 'wiki', '20261122T030000Z-diff')), 'accepted'],
  ['accepts an incr whose parent is stored', facts(sign({ kind: 'incr', parent: '20261121T030000Z-incr' }, wiki, 'wiki', '20261122T030000Z-incr')), 'accepted'],
  ['rejects an incr while the hub wants a full after a reset', facts(sign({ kind: 'incr', parent: '20261121T030000Z-incr' }, wiki, 'wiki', '20261122T030000Z-incr'), { wantFull: { reason: 'reset' }, lastReset: RESET }), 'ARRIVAL_FULL_REQUIRED'],
  ['rejects a diff while the hub wants a full after a rejected arrival', facts(sign({ kind: 'diff', base: '20261120T030000Z-full' }, wiki, 'wiki', '20261122T030000Z-diff'), { wantFull: { reason: 'rejected' } }), 'ARRIVAL_FULL_REQUIRED'],
  ['rejects an incr while an older status.json asks for a full without a reason', facts(sign({ kind: 'incr', parent: '20261121T030000Z-incr' }, wiki, 'wiki', '20261122T030000Z-incr'), { wantFull: { reason: null } }), 'ARRIVAL_FULL_REQUIRED'],
  ['accepts a full while the hub wants one', facts(sign(), { wantFull: { reason: 'reset' }, lastReset: RESET }), 'accepted'],
  ['rejects an incr whose parent is in the archive of a reset', facts(sign({ kind: 'incr', parent: '20261121T030000Z-incr' }, wiki, 'wiki', '20261122T030000Z-incr'), { lastReset: RESET, archived: new Set(['20261120T030000Z-full', '20261121T030000Z-incr']) }), 'ARRIVAL_MISSING_BASE'],
  ['rejects a diff whose base is in the archive of a reset', facts(sign({ kind: 'diff', base: '20261120T030000Z-full' }, wiki, 'wiki', '20261122T030000Z-diff'), { lastReset: RESET, archived: new Set(['20261120T030000Z-full']) }), 'ARRIVAL_MISSING_BASE'],
  ['rejects data.tar as a symlink', facts(sign(), { entries: [{ name: 'data.tar', type: 'symlink', bytes: 11 }] }), 'ARRIVAL_NOT_A_FILE'],
  ['rejects a subfolder in the arrival', facts(sign(), { entries: [{ name: 'data.tar', type: 'file', bytes: TAR.bytes }, { name: 'sub', type: 'dir', bytes: 4096 }] }), 'ARRIVAL_NOT_A_FILE'],
  ['rejects a file the manifest does not list', facts(sign(), { entries: [{ name: 'data.tar', type: 'file', bytes: TAR.bytes }, { name: 'evil.sh', type: 'file', bytes: 5 }] }), 'ARRIVAL_EXTRA_FILE'],
  ['rejects a missing data.tar', facts(sign(), { entries: [] }), 'ARRIVAL_MISSING_FILE'],
  ['rejects a data.tar of the wrong size', facts(sign(), { entries: [{ name: 'data.tar', type: 'file', bytes: 512 }] }), 'ARRIVAL_SIZE_MISMATCH'],
  ['rejects a data.tar that read as another size', facts(sign(), { pass: { ...goodPass, bytes: 512 } }), 'ARRIVAL_SIZE_MISMATCH'],
  ['rejects a data.tar whose sha256 differs', facts(sign(), { pass: { ...goodPass, sha256: 'cd'.repeat(32) } }), 'ARRIVAL_HASH_MISMATCH'],
  ['rejects a data.tar that tar cannot list', facts(sign(), { pass: { ...goodPass, listed: false, listProblem: 'tar: Unexpected EOF in archive' } }), 'ARRIVAL_NOT_A_TAR'],
  ['rejects a listing whose counts differ from the manifest', facts(sign(), { pass: { ...goodPass, counts: { ...goodCounts, entries: 9, files: 4 } } }), 'ARRIVAL_COUNT_MISMATCH'],
  ['rejects counts whose archive bytes differ from the tar', facts(sign({ counts: { ...TAR.counts, bytes: 9999 } }), { pass: goodPass }), 'ARRIVAL_COUNT_MISMATCH'],
  ['rejects a generation that would exceed the quota', facts(sign(), { quota: 7999, pass: goodPass }), 'ARRIVAL_OVER_QUOTA'],
  ['accepts a generation that fills the quota exactly', facts(sign(), { quota: 8000, pass: goodPass }), 'accepted'],
  ['rejects a plain archive whose pass gave no listing', facts(sign(), { pass: { sha256: TAR.sha256, bytes: TAR.bytes, storedBytes: 3000 } }), 'ARRIVAL_NOT_A_TAR'],
  ['rejects a plain manifest listing data.tar.zst.age', facts(sign({ files: ENCRYPTED.files! }), { entries: ageEntries }), 'ARRIVAL_UNSUPPORTED'],
  ['rejects a manifest listing two archives', facts(sign({ files: [...ENCRYPTED.files!, { name: 'data.tar', bytes: TAR.bytes, sha256: TAR.sha256 }] })), 'ARRIVAL_UNSUPPORTED'],
  ['accepts an encrypted arrival before the pass', facts(encrypted(), { entries: ageEntries }), 'accepted'],
  ['accepts an encrypted arrival after the pass: no listing, counts unchecked', facts(encrypted(), { entries: ageEntries, pass: agePass }), 'accepted'],
  ['accepts an encrypted incr whose parent is stored', facts(encrypted({ kind: 'incr', parent: '20261121T030000Z-incr' }, '20261122T030000Z-incr'), { entries: ageEntries, pass: agePass }), 'accepted'],
  ['rejects an encrypted manifest that names no recipient', facts(encrypted({ encryption: { recipients: [] } }), { entries: ageEntries }), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects an encrypted manifest naming a recipient by key, not fingerprint', facts(encrypted({ encryption: { recipients: ['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'] } }), { entries: ageEntries }), 'ARRIVAL_BAD_MANIFEST'],
  ['rejects an encrypted manifest claiming compression none', facts(encrypted({ compression: 'none' }), { entries: ageEntries }), 'ARRIVAL_UNSUPPORTED'],
  ['rejects an encrypted manifest listing data.tar', facts(encrypted({ files: [{ name: 'data.tar', bytes: TAR.bytes, sha256: TAR.sha256 }] })), 'ARRIVAL_UNSUPPORTED'],
  ['rejects an encrypted arrival that also holds a data.tar', facts(encrypted(), { entries: [{ name: 'data.tar', type: 'file', bytes: TAR.bytes }, ...ageEntries] }), 'ARRIVAL_EXTRA_FILE'],
  ['rejects an encrypted arrival without its data.tar.zst.age', facts(encrypted(), { entries: [] }), 'ARRIVAL_MISSING_FILE'],
  ['rejects ciphertext whose sha256 differs', facts(encrypted(), { entries: ageEntries, pass: { ...agePass, sha256: 'cd'.repeat(32) } }), 'ARRIVAL_HASH_MISMATCH'],
  ['rejects ciphertext that read as another size', facts(encrypted(), { entries: ageEntries, pass: { ...agePass, bytes: 4320 } }), 'ARRIVAL_SIZE_MISMATCH'],
  ['rejects ciphertext that would exceed the quota', facts(encrypted(), { entries: ageEntries, quota: 5000 + AGE.bytes + 899, pass: agePass }), 'ARRIVAL_OVER_QUOTA'],
  ['accepts ciphertext that fills the quota exactly', facts(encrypted(), { entries: ageEntries, quota: 5000 + AGE.bytes + 900, pass: agePass }), 'accepted'],
]

function summary(v: Verdict): Record<string, unknown> {
  return v.accepted ? { accepted: true, alreadyStored: v.alreadyStored } : { code: v.code, message: v.message, wantFull: v.wantFull }
}

t.test('checkArrival decides every case in the table', async t => {
  const table: Array<Record<string, unknown>> = []
  for (const [name, f, want] of cases) {
    const v = checkArrival(f)
    t.equal(v.accepted ? 'accepted' : v.code, want, name)
    table.push({ case: name, ...summary(v) })
  }
  t.matchSnapshot(table, 'verdicts')
})

t.test('the table covers every arrival code', async t => {
  const seen = new Set(cases.map(c => c[2]))
  for (const code of ARRIVAL_CODES) t.ok(seen.has(code), code)
})

t.test('every rejection but a replay asks for a full, naming why', async t => {
  const missing = checkArrival(cases.find(c => c[2] === 'ARRIVAL_MISSING_BASE')![1])
  t.equal(!missing.accepted && missing.wantFull, 'missing-base')
  const hash = checkArrival(cases.find(c => c[2] === 'ARRIVAL_HASH_MISMATCH')![1])
  t.equal(!hash.accepted && hash.wantFull, 'rejected', 'a refused incr may have moved the spoke past the store')
  const replay = checkArrival(cases.find(c => c[2] === 'ARRIVAL_REPLAYED')![1])
  t.equal(!replay.accepted && replay.wantFull, null, 'a replay is already stored: nothing diverged')
  const required = checkArrival(cases.find(c => c[2] === 'ARRIVAL_FULL_REQUIRED')![1])
  t.equal(!required.accepted && required.wantFull, null, 'refused for want of a full: the standing request keeps its reason')
  for (const code of ARRIVAL_CODES) t.ok(['missing-base', 'rejected', null].includes(wantFullFor(code)), code)
})

t.test('the message of ARRIVAL_FULL_REQUIRED says why the hub wants a full', async t => {
  const v = checkArrival(cases.find(c => c[0] === 'rejects an incr while the hub wants a full after a reset')![1])
  t.match(!v.accepted && v.message, /the hub wants a full because the service was reset at 2026-11-21T12:00:00.000Z; the next run must be a full/)
  t.equal(describeWantFull('missing-base', null), 'an earlier arrival built on a generation the store does not hold')
  t.equal(describeWantFull('mismatch', null), 'a stored generation did not match its manifest')
  t.equal(describeWantFull('reset', null), 'the service was reset')
  t.equal(describeWantFull('from-the-future', null), 'its status.json asks for one (from-the-future)', 'a reason this hub does not know is shown as it is')
  t.equal(describeWantFull(null, null), 'its status.json asks for one')
})

t.test('a full arriving after a reset passes every check: it starts the new chain', async t => {
  const v = checkArrival(facts(sign(), { wantFull: { reason: 'reset' }, lastReset: RESET, archived: new Set(['20261120T030000Z-full']), pass: goodPass }))
  t.ok(v.accepted)
})

t.test('an interrupted accept comes back with its manifest, marked already stored', async t => {
  const v = checkArrival(facts(sign(), { storedCopy: 'interrupted' }))
  t.ok(v.accepted && v.alreadyStored)
  t.equal(v.accepted && v.manifest.generation, GEN)
})

import t from 'tap'
import { planExec, MAX_COMMAND_BYTES, type ExecAccount } from '../../hub/exec-policy.js'

const paths = { accounts: '/hub/accounts', store: '/hub/store', rrsync: '/usr/bin/rrsync' }
const wiki: ExecAccount = { kind: 'service', name: 'wiki', ...paths }
const m1: ExecAccount = { kind: 'mirror', name: 'm1', ...paths }

const PUSH = 'rsync --server -logDtpre.iLsfxCIvu --partial-dir .rsync-partial --copy-dest=/.basis . /20261122T030000Z-full/'
const PULL = 'rsync --server --sender -logDtpre.iLsfxCIvu . /status.json'

const table: Array<[string, ExecAccount, string]> = [
  ['service uploads into its incoming', wiki, PUSH],
  ['service reads its own store folder', wiki, PULL],
  ['service lists its store folder', wiki, 'rsync --server --sender -logDtpr . /'],
  ['mirror reads the whole store', m1, 'rsync --server --sender -logDtpre.iLsfxCIvu . /TREE.json'],
  ['mirror writes only into its own trace area, capped', m1, 'rsync --server -tre.iLsfxCIvu . /TRACE.json'],
  ['mirror watches the index', m1, 'roost-watch-tree'],
  ['a shell is refused', wiki, 'sh -c id'],
  ['an empty command is refused', wiki, ''],
  ['rsync without --server is refused', wiki, 'rsync -a / /tmp'],
  ['--server must be the second word', wiki, 'rsync -v --server . /'],
  ['a tab instead of a space is refused', wiki, 'rsync\t--server . /'],
  ['rsync --server alone is refused', wiki, 'rsync --server'],
  ['a full path to rsync is refused', wiki, '/usr/bin/rsync --server . /'],
  ['--sender in another position is refused', wiki, 'rsync --server -logDtpr --sender . /'],
  ['a newline is refused', wiki, 'rsync --server . /\nid'],
  ['a carriage return is refused', wiki, 'rsync --server . /\rid'],
  ['a NUL byte is refused', wiki, 'rsync --server . /\0id'],
  ['a bad account name is refused', { ...wiki, name: '../wiki' }, PUSH],
  ['the true probe is refused', wiki, 'true'],
  ['scp is refused', wiki, 'scp -t /'],
  ['an upload with --delay-updates and --partial-dir is refused', wiki, 'rsync --server -tre.iLsfxCIvu --partial-dir .rsync-partial --delay-updates . /20261122T030000Z-full/'],
  ['… also with --partial-dir=DIR', wiki, 'rsync --server -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial --delay-updates . /20261122T030000Z-full/'],
  ['a download with --delay-updates and --partial-dir is fine', wiki, 'rsync --server --sender -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial --delay-updates . /status.json'],
]

t.test('exec policy: commands → decisions', async t => {
  const rows = table.map(([what, account, command]) => ({ what, account: `${account.kind}:${account.name}`, command, decision: planExec(account, command) }))
  t.matchSnapshot(rows, 'decision table')
  t.same(planExec(wiki, PUSH), { allow: true, argv: ['/usr/bin/rrsync', '-wo', '-no-del', '/hub/accounts/wiki/incoming'], env: { SSH_ORIGINAL_COMMAND: PUSH } })
  t.same(planExec(wiki, PULL), { allow: true, argv: ['/usr/bin/rrsync', '-ro', '/hub/store/wiki'], env: { SSH_ORIGINAL_COMMAND: PULL } })
  t.same(planExec(m1, PULL), { allow: true, argv: ['/usr/bin/rrsync', '-ro', '/hub/store'], env: { SSH_ORIGINAL_COMMAND: PULL } })
  const trace = 'rsync --server -tre.iLsfxCIvu . /TRACE.json'
  t.same(planExec(m1, trace), { allow: true, argv: ['/usr/bin/rrsync', '-wo', '-no-del', '/hub/accounts/m1/trace'], env: { SSH_ORIGINAL_COMMAND: 'rsync --server --max-size=65536 -tre.iLsfxCIvu . /TRACE.json' } }, 'a mirror writes only its trace area, nothing over 64 KiB')
  t.same(planExec(m1, 'roost-watch-tree'), { allow: true, builtin: 'watch-tree', store: '/hub/store' })
  t.equal(planExec(m1, 'roost-watch-tree x').allow, false, 'the watch takes no arguments')
  t.equal(planExec(m1, 'sh -c id').allow, false, 'a mirror gets no shell')
  for (const [what, account, command] of table.slice(6, -1)) t.equal(planExec(account, command).allow, false, what)
  t.equal(planExec(wiki, table[table.length - 1]![2]).allow, true)
})

t.test('exec policy: refuses a command longer than 64 KiB, allows one at the limit', async t => {
  const base = 'rsync --server . /'
  const at = base + 'a'.repeat(MAX_COMMAND_BYTES - base.length)
  t.equal(planExec(wiki, at).allow, true)
  const over = planExec(wiki, at + 'a')
  t.same(over, { allow: false, reason: 'the command is longer than 64 KiB' })
})

t.test('exec policy: a service never gets another service\'s folder', async t => {
  const d = planExec({ ...wiki, name: 'wiki-evil' }, PUSH)
  t.ok(d.allow && 'argv' in d && d.argv[3] === '/hub/accounts/wiki-evil/incoming')
})

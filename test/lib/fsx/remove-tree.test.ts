import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { REPO } from '../../helpers/roost.js'

const NOBODY = 65534

t.test('removeTree removes read-only folders that a plain rm cannot (as a user who is not root)', async t => {
  const dir = t.testdir()
  const tree = join(dir, 'staging')
  await fs.mkdir(join(tree, 'ro', 'deeper'), { recursive: true })
  await fs.writeFile(join(tree, 'ro', 'deeper', 'file'), 'x')
  await fs.chmod(dir, 0o777)
  for (const p of [tree, join(tree, 'ro'), join(tree, 'ro', 'deeper'), join(tree, 'ro', 'deeper', 'file')]) await fs.chown(p, NOBODY, NOBODY)
  await fs.chmod(join(tree, 'ro', 'deeper'), 0o555)
  await fs.chmod(join(tree, 'ro'), 0o555)
  const script = (fn: string): string => `import(${JSON.stringify(join(REPO, 'dist', 'lib', 'fsx', 'atomic.js'))}).then(m => ${fn}).then(() => console.log('ok'), e => { console.log(e.code); process.exit(1) })`
  const plain = await execa(process.execPath, ['-e', script(`import('node:fs').then(f => f.promises.rm(${JSON.stringify(tree)}, { recursive: true, force: true }))`)], { uid: NOBODY, gid: NOBODY, reject: false })
  t.equal(plain.stdout.trim(), 'EACCES', 'a plain recursive rm fails on the read-only folders')
  const r = await execa(process.execPath, ['-e', script(`m.removeTree(${JSON.stringify(tree)})`)], { uid: NOBODY, gid: NOBODY, reject: false })
  t.equal(r.stdout.trim(), 'ok', r.stderr)
  t.notOk(await fs.stat(tree).catch(() => undefined), 'the tree is gone')
})

import t from 'tap'
import { join } from 'node:path'
import { promises as fs, watch } from 'node:fs'
import { publishFileLast, writeFileAtomic } from '../../../lib/fsx/atomic.js'

t.test('writeFileAtomic replaces a file whole, with its mode, leaving no temporary', async t => {
  const dir = t.testdir({ f: 'old' })
  await writeFileAtomic(join(dir, 'f'), 'new', 0o640)
  t.equal(await fs.readFile(join(dir, 'f'), 'utf8'), 'new')
  t.equal((await fs.stat(join(dir, 'f'))).mode & 0o777, 0o640)
  t.same(await fs.readdir(dir), ['f'])
})

t.test('publishFileLast never touches the folder once the file is there, even when a watcher moves the folder at once', async t => {
  const dir = t.testdir({ away: {} })
  let moved = 0
  for (let i = 0; i < 40; i++) {
    const folder = join(dir, `upload-${i}`)
    await fs.mkdir(folder)
    await fs.writeFile(join(folder, 'data'), 'x')
    // like hub serve's ingest: the moment manifest.json appears, the folder is taken away
    const w = watch(folder, (_event, name) => {
      if (name !== 'manifest.json') return
      w.close()
      void fs.rename(folder, join(dir, 'away', `upload-${i}`)).then(() => moved++, () => {})
    })
    await publishFileLast(join(folder, 'manifest.json'), `{"n":${i}}`, 0o600)
    await new Promise(r => setTimeout(r, 20))
    w.close()
  }
  t.equal(moved, 40, 'every folder was taken by the watcher, and no publish failed for it')
  const one = join(dir, 'away', 'upload-7')
  t.same((await fs.readdir(one)).sort(), ['data', 'manifest.json'], 'no temporary file went with it')
  t.equal((await fs.stat(join(one, 'manifest.json'))).mode & 0o777, 0o600)
})

import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { drain, streamMembers } from '../../../lib/export/read.js'

t.test('a handler that fails while tar still has much to say: the error comes back, nothing hangs', async t => {
  const dir = t.testdir()
  // the first member small, then far more than a pipe and a stream buffer hold
  await fs.writeFile(join(dir, 'a'), 'first')
  await fs.writeFile(join(dir, 'b'), Buffer.alloc(8 * 1024 * 1024, 7))
  await fs.writeFile(join(dir, 'c'), Buffer.alloc(8 * 1024 * 1024, 9))
  const file = join(dir, 'x.tar')
  execFileSync('tar', ['--create', `--file=${file}`, '--format=posix', `--directory=${dir}`, 'a', 'b', 'c'])
  const members = await Promise.all(['a', 'b', 'c'].map(async name => ({ type: '-', name, size: (await fs.stat(join(dir, name))).size })))
  const ex = { file, info: {} as never, infoBytes: Buffer.alloc(0), members }
  for (const failOn of ['a', 'b']) {
    const seen: string[] = []
    const p = streamMembers(ex, async (m, content) => {
      seen.push(m.name)
      if (m.name === failOn) throw new Error(`refused ${failOn}`)
      await drain(content)
    })
    // Node exits a test whose promise waits on nothing; a timer keeps it alive to show a hang as one
    const hang = new Promise<'hang'>(res => setTimeout(() => res('hang'), 20_000).unref())
    const keepAlive = setInterval(() => {}, 1000)
    const r = await Promise.race([p.then(() => 'resolved', (e: Error) => e.message), hang])
    clearInterval(keepAlive)
    t.equal(r, `refused ${failOn}`, `failing on ${failOn}: the handler's error, promptly`)
    t.equal(seen.at(-1), failOn, 'no member after the failed one was handed over')
  }
})

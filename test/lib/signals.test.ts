import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execa } from 'execa'
import { REPO, NODE } from '../helpers/roost.js'

/**
 * A daemon told SIGTERM while it has a child running (through lib/proc, execa) finishes its
 * work and exits on its own. With `process.once` listeners, execa's signal-exit found itself
 * the only listener left and re-raised SIGTERM: the daemon died with its child mid-work
 * (found by spoke schedule's end-to-end test).
 */
t.test('SIGTERM while a child runs: the daemon finishes it and exits 0; a second SIGTERM kills at once', async t => {
  const dir = t.testdir()
  const script = join(dir, 'daemon.mjs')
  await fs.writeFile(script, `
    import { stopSignal } from ${JSON.stringify(join(REPO, 'dist', 'lib', 'signals.js'))}
    import { run } from ${JSON.stringify(join(REPO, 'dist', 'lib', 'proc', 'run.js'))}
    const sig = stopSignal()
    const work = run(['sleep', process.argv[2]]).then(() => 'child finished')
    process.stdout.write('ready\\n')
    const why = await sig.promise
    process.stdout.write('stopping on ' + why + '\\n')
    process.stdout.write((await work) + '\\n')
    sig.dispose()
  `)
  const start = async (seconds: string) => {
    const child = execa(NODE[0], [...NODE.slice(1), script, seconds], { reject: false })
    await new Promise<void>(res => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && res()))
    return { child } // not the child itself: it is a thenable, and returning it would wait for its end
  }
  const { child: one } = await start('1')
  one.kill('SIGTERM')
  const r1 = await one
  t.equal(r1.exitCode, 0, 'exit 0', { stderr: r1.stderr, signal: r1.signal })
  t.same(r1.stdout.split('\n'), ['ready', 'stopping on SIGTERM', 'child finished'], 'the child ran to its end after the SIGTERM')

  const { child: two } = await start('30')
  two.kill('SIGTERM')
  await new Promise(r => setTimeout(r, 200))
  two.kill('SIGTERM')
  const r2 = await two
  t.equal(r2.signal, 'SIGTERM', 'a second SIGTERM: killed by it, without waiting for the child')
})

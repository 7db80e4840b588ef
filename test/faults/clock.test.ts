/**
 * Fault: the spoke's clock far ahead, then far behind (and right again). The spoke's clock is the `now` its cycle
 * is given (roost.ts passes `() => new Date()`); runCycle is run in-process against a real
 * `hub serve` with that clock shifted, so no test-only seam is needed in the CLI. What must
 * hold: every generation is accepted, whatever date its id claims; the hub records acceptance
 * on its own clock (TREE.json's `accepted` is now, not the id's date); ids from the future
 * or the past do not steer retention (it follows arrival order), nor wedge the spoke: a
 * generation dated ahead of its clock is never built on (spoke/kind.ts), since the hub refuses an
 * incr older than its parent, so the spoke makes a full instead; once the clock is right again
 * the spoke builds on what it made since (its snapshots are reckoned by recency, not by the ids'
 * dates: spoke/snapshots.ts); `roost hub verify` passes.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { roost, startHub, type RunningHub } from '../helpers/roost.js'
import { runCycle } from '../../spoke/run.js'
import { silentLogger } from '../../lib/log.js'
import { scratch } from '../attacks/kit.js'

const YEAR = 365 * 24 * 3600 * 1000
const dir = await scratch('clock')
let hub: RunningHub | undefined
t.teardown(async () => {
  await hub?.stop()
  await fs.rm(dir, { recursive: true, force: true })
})

t.test("a spoke clock years ahead, then years behind: every run accepted, on the hub's clock, retention by arrival", async t => {
  const hubRoot = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  hub = await startHub(hubRoot)
  const src = join(dir, 'src')
  await fs.mkdir(src)
  await fs.writeFile(join(src, 'a.txt'), 'one\n')
  const spokeDir = join(dir, 'spoke')
  t.equal((await roost(['spoke', 'init', '--service', 'wiki', '--hub', `127.0.0.1:${hub.port}`, '--source', src, '--dir', spokeDir])).exitCode, 0, 'spoke init')
  const key = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  t.equal((await roost(['hub', 'add-service', 'wiki', '--key', key, '--config', join(hubRoot, 'hub.yaml')])).exitCode, 0, 'add-service')

  const cycle = (shift: number) => runCycle({ configFile: join(spokeDir, 'spoke.yaml'), verdictTimeoutMs: 30_000, now: () => new Date(Date.now() + shift), log: silentLogger() })
  const runs: Array<{ shift: number; generation: string; parent: string | null }> = []
  for (const [i, shift] of [10 * YEAR, 0, -20 * YEAR, 0].entries()) {
    await fs.writeFile(join(src, `f${i}.txt`), `change ${i}\n`)
    const r = await cycle(shift)
    runs.push({ shift, generation: r.generation, parent: r.parent })
    t.comment(`spoke clock ${shift / YEAR >= 0 ? '+' : ''}${shift / YEAR}y: ${r.generation} (${r.kind}${r.parent ? ` on ${r.parent}` : ''}: ${r.reason})`)
  }
  t.match(runs[0]!.generation, /^20(3[6-9]|4)/, 'the first id claims a date years ahead')
  t.match(runs[2]!.generation, /^200[0-9]/, 'the third id claims a date years behind')
  t.equal(runs[3]!.parent, runs[1]!.generation, "with the clock right again the spoke builds an incr on the full it made today: that full's snapshot survived the clock's jumps (spoke/snapshots.ts reckons by recency, not by the ids' dates)")

  const tree = JSON.parse(await fs.readFile(join(hubRoot, 'store', 'TREE.json'), 'utf8')) as { services: Record<string, { generations: Record<string, { accepted: string }> }> }
  const gens = tree.services.wiki!.generations
  t.comment(`stored: ${Object.keys(gens).join(', ')}`)
  for (const r of runs.slice(1)) {
    t.ok(gens[r.generation], `${r.generation} is stored and listed`)
    const accepted = Date.parse(gens[r.generation]!.accepted)
    t.ok(Math.abs(accepted - Date.now()) < 5 * 60_000, `${r.generation} accepted at ${gens[r.generation]!.accepted}: the hub's clock`)
    if (r.parent) t.ok(gens[r.parent], `its parent ${r.parent} is stored`)
  }
  // three fulls and an incr on one day, keepLast 3: retention removes the first to arrive (the
  // id from 2036, the newest by its date), not the oldest by date (2006): arrival order on the hub's clock
  t.notOk(gens[runs[0]!.generation], `retention removed the first arrival ${runs[0]!.generation}, whatever its id claims`)
  t.equal(Object.keys(gens).length, 3, 'and only it')
  const prune = await roost(['hub', 'prune', '--config', join(hubRoot, 'hub.yaml')])
  t.equal(prune.exitCode, 0, 'roost hub prune runs', { out: prune.stderr.slice(-800) })
  const after = JSON.parse(await fs.readFile(join(hubRoot, 'store', 'TREE.json'), 'utf8')) as typeof tree
  t.same(Object.keys(after.services.wiki!.generations).sort(), Object.keys(gens).sort(), 'and a prune afterwards removes none either')
  const v = await roost(['hub', 'verify', '--config', join(hubRoot, 'hub.yaml')])
  t.equal(v.exitCode, 0, 'roost hub verify passes', { out: v.stdout.slice(-800) + v.stderr.slice(-800) })
})

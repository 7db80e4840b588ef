/**
 * Generations against a real hub on 127.0.0.1: a full, an incr and a diff and an incr on it
 * (files modified, deleted, renamed, added), each accepted with the base or parent its
 * manifest names; the chain replayed with plain tar equals the source; local copies are
 * compressed and kept whole per chain; a run cut by its time budget leaves nothing on the hub
 * and the next run resumes it; lost snapshots make the next run a full.
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { roost, startHub, waitFor, type RunningHub } from '../helpers/roost.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { changeTree, replay } from '../spoke/chain-fixture.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { parseManifest, type Manifest } from '../../lib/formats/manifest.js'

const SVC = 'wiki'

interface RunJson {
  generation: string
  kind: string
  base: string | null
  parent: string | null
  reason: string
  label?: string
  bytes: number
  sent: number
  matched: number
  resumed: { generation: string; how: string }[]
  deleted: string[]
}

async function spokeRun(t: Test, config: string, args: string[] = []): Promise<RunJson> {
  const r = await roost(['spoke', 'run', '--config', config, '--json', ...args], { timeout: 60_000 })
  t.equal(r.exitCode, 0, `spoke run ${args.join(' ')}`, { stderr: r.exitCode ? r.stderr.slice(-3000) : '' })
  return JSON.parse(r.stdout || '{}') as RunJson
}

/** The 'uploaded' log lines of a run (ROOST_LOG_LEVEL=info). */
function uploads(stderr: string): { generation: string; sent: number; matched: number; literal: number }[] {
  return stderr.split('\n').flatMap(l => {
    try {
      const j = JSON.parse(l) as { msg?: string; generation: string; sent: number; matched: number; literal: number }
      return j.msg === 'uploaded' ? [j] : []
    } catch {
      return []
    }
  })
}

t.test('full, incr, diff and incr: chains on the hub, budgets, lost snapshots', async t => {
  const dir = t.testdir()
  const data = join(dir, 'srv', SVC)
  await makeServiceTree(data, { seed: SVC, largeBytes: 8 * 1024 * 1024 })
  const hubRoot = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const hub: RunningHub = await startHub(hubRoot)
  t.teardown(() => hub.stop())
  const spokeDir = join(dir, 'spoke')
  const config = join(spokeDir, 'spoke.yaml')
  t.equal((await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${hub.port}`, '--source', data, '--dir', spokeDir])).exitCode, 0, 'spoke init')
  const keyLine = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  t.equal((await roost(['hub', 'add-service', SVC, '--key', keyLine, '--config', join(hubRoot, 'hub.yaml')])).exitCode, 0, 'add-service')
  const store = join(hubRoot, 'store', SVC)
  const local = join(spokeDir, 'state', 'generations')
  const stored = async (gen: string): Promise<Manifest> => parseManifest(await fs.readFile(join(store, gen, 'manifest.json'), 'utf8'))

  const full = await spokeRun(t, config, ['--label', 'first-full'])
  t.match(full, { kind: 'full', base: null, parent: null, label: 'first-full' })
  t.match(full.reason, /no full generation yet/)
  // read each stored manifest right after its run (the hub's retention may prune later)
  const accepted: [RunJson, Manifest][] = [[full, await stored(full.generation)]]

  await changeTree(data, 'day02')
  const incr = await spokeRun(t, config)
  t.match(incr, { kind: 'incr', base: null, parent: full.generation }, 'the policy makes an incr on the full')
  accepted.push([incr, await stored(incr.generation)])
  t.ok(incr.bytes < full.bytes / 20, `the incr's data.tar (${incr.bytes} bytes) is far smaller than the full's (${full.bytes} bytes)`)
  t.comment(`rsync sent: full ${full.sent} bytes (archive ${full.bytes}), incr ${incr.sent} bytes (archive ${incr.bytes})`)

  await changeTree(data, 'day03')
  const diff = await spokeRun(t, config, ['--kind', 'diff'])
  t.match(diff, { kind: 'diff', base: full.generation, parent: null })
  t.match(diff.reason, /--kind diff requested/)
  accepted.push([diff, await stored(diff.generation)])
  t.same(diff.deleted, [incr.generation], 'local retention (keepLocal 1) keeps the diff and its full, not the incr')

  await changeTree(data, 'day04')
  const incr2 = await spokeRun(t, config)
  t.match(incr2, { kind: 'incr', parent: diff.generation }, 'an incr after the diff builds on the diff')
  t.same(incr2.deleted, [], 'the chain incr → diff → full is kept whole')
  accepted.push([incr2, await stored(incr2.generation)])

  for (const [g, m] of accepted) t.same([m.kind, m.base, m.parent], [g.kind, g.base, g.parent], `the hub accepted ${g.generation} with its base/parent`)
  t.equal(accepted[0]![1].label, 'first-full', 'the label is in the signed manifest')
  t.equal(accepted[1]![1].label, undefined, 'and absent when not given')

  const out = join(dir, 'replayed')
  await fs.mkdir(out)
  replay([full, diff, incr2].map(g => join(store, g.generation, 'data.tar.zst')), out)
  t.same(await compareTrees(data, join(out, data.slice(1)), { owners: false }), [], 'full + diff + incr from the hub, replayed with plain tar, equal the source')

  const kept = (await fs.readdir(local)).filter(n => !n.startsWith('.')).sort()
  t.same(kept, [full.generation, diff.generation, incr2.generation], 'kept locally: the newest and its chain')
  for (const g of kept) t.same((await fs.readdir(join(local, g))).sort(), ['.accepted', 'data.tar.zst', 'manifest.json'], `${g} is kept compressed`)

  // a run cut by its time budget: nothing partial on the hub; the next run resumes the upload
  const fh = await fs.open(join(data, 'data', 'random.bin'), 'w')
  for (let i = 0; i < 16; i++) await fh.write(randomBytes(1 << 20))
  await fh.close()
  const cut = await roost(['spoke', 'run', '--config', config, '--bwlimit', '1M', '--time-budget', '5s'], { timeout: 60_000 })
  t.equal(cut.exitCode, 1, 'the budget cuts the run', { stderr: cut.stderr.slice(-2000) })
  t.match(cut.stderr, /BUDGET_EXCEEDED/)
  t.match(cut.stderr, /time budget ran out .*; \S+-incr is kept on this host and the next run resumes it/)
  const cutGen = (await fs.readdir(local)).filter(n => !n.startsWith('.') && !kept.includes(n))
  t.equal(cutGen.length, 1, 'the cut generation is kept locally')
  const gen = cutGen[0]!
  t.notOk(await fs.stat(join(local, gen, '.accepted')).catch(() => undefined), 'and is not accepted')
  t.notOk(await fs.stat(join(store, gen)).catch(() => undefined), 'the hub store has no such generation')
  // the hub's rsync keeps the cut file under its name (--partial) once it sees the connection drop
  const partial = await waitFor(async () => (await fs.stat(join(hubRoot, 'accounts', SVC, 'incoming', gen, 'data.tar')).catch(() => undefined))?.size, 15_000, 'the hub to keep the cut file')
  const whole = (await fs.stat(join(local, gen, 'data.tar'))).size
  t.ok(partial > 0 && partial < whole, `the hub keeps the cut data.tar (${partial} of ${whole} bytes)`)

  const next = await roost(['spoke', 'run', '--config', config, '--json'], { env: { ROOST_LOG_LEVEL: 'info' }, timeout: 60_000 })
  t.equal(next.exitCode, 0, 'the next run, without a budget, succeeds', { stderr: next.exitCode ? next.stderr.slice(-3000) : '' })
  const after = JSON.parse(next.stdout) as RunJson
  t.same(after.resumed.map(r => [r.generation, r.how]), [[gen, 'uploaded']], 'it finished the cut generation first')
  const resumed = uploads(next.stderr).find(u => u.generation === gen)
  t.ok(resumed && resumed.matched > partial / 2, `the resumed upload reused what the hub kept (matched ${resumed?.matched}, kept ${partial})`)
  t.ok(resumed && resumed.sent < whole - partial / 2, `and sent less than the whole file (sent ${resumed?.sent} of ${whole})`)
  t.ok(await fs.stat(join(store, gen, 'data.tar.zst')), 'the hub accepted it whole')
  t.match(after, { kind: 'incr', parent: gen }, "today's generation builds on it")

  const list = await roost(['spoke', 'list', '--config', config])
  t.equal(list.exitCode, 0, list.stderr)
  t.match(list.stdout, new RegExp(`${full.generation} +full +yes +accepted +first-full`), 'list shows kind and label')
  t.match(list.stdout, new RegExp(`${incr.generation} +incr +yes +- +-\\n`))

  // lost snapshots: the spoke cannot build on anything, so it makes a full and says why
  await fs.rm(join(spokeDir, 'state', 'snapshots'), { recursive: true })
  const fresh = await spokeRun(t, config, ['--kind', 'incr'])
  t.match(fresh, { kind: 'full', base: null, parent: null })
  t.match(fresh.reason, /snapshot of the newest full \S+ is missing.*--kind incr cannot be made/)
  t.ok(fresh.matched > full.bytes / 2, `a full is sent against the hub's last full (matched ${fresh.matched} of ${fresh.bytes} bytes, sent ${fresh.sent})`)
  t.same((await fs.readdir(join(spokeDir, 'state', 'snapshots'))).sort(), [`${fresh.generation}.snar`], 'only the new full’s snapshot is kept')
})

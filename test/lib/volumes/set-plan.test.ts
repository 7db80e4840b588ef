import t from 'tap'
import { planSet, discMetaBytes } from '../../../lib/volumes/set-plan.js'
import { MEDIA } from '../../../lib/volumes/media.js'
import type { PlanFile } from '../../../lib/volumes/plan.js'

const sha = 'a'.repeat(64)

/** A deterministic mix: per service, daily incrs of 5–400 MiB and weekly fulls of 1–9 GiB. */
function mix(services: number, days: number): PlanFile[] {
  const out: PlanFile[] = []
  let x = 12345
  const rnd = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32)
  for (let s = 0; s < services; s++) {
    for (let d = 0; d < days; d++) {
      const full = d % 7 === 0
      const gen = `202611${String(1 + d).padStart(2, '0')}T030000Z-${full ? 'full' : 'incr'}`
      const bytes = Math.floor(full ? (1 + 8 * rnd()) * 1024 ** 3 : (5 + 395 * rnd()) * 1024 ** 2)
      out.push({ service: `svc${s}`, generation: gen, name: 'data.tar.zst', bytes, sha256: sha })
      out.push({ service: `svc${s}`, generation: gen, name: 'manifest.json', bytes: 1500 + Math.floor(rnd() * 800), sha256: sha })
    }
  }
  return out
}

t.test('a realistic mix on DVD and BD: every image fits, parity survives a lost disc, one disc above the bound', async t => {
  for (const [media, capacity] of [['dvd', MEDIA.dvd], ['bd', MEDIA.bd]] as const) {
    const files = mix(4, 14)
    const data = files.reduce((s, f) => s + f.bytes, 0)
    const sp = planSet({ files, capacity, treeBytes: 200_000, readmeBytes: 20_000, readmePerDisc: 160 })
    const n = sp.plan.volumes.length
    const bound = Math.ceil(data / capacity)
    t.ok(sp.imageBytes.every(b => b <= capacity), `${media}: every image bound fits`)
    t.ok(sp.parity.survivesDiscLoss, `${media}: any one of ${n} discs can be lost`)
    // parity costs one disc's worth: ⌈data/C⌉ + 1 discs is the least any such set can use
    t.ok(n <= bound + 2, `${media}: ${n} discs for a bound of ${bound} without parity (${bound + 1} with one disc of parity)`)
    t.ok(sp.imageBytes.slice(0, -1).every(b => b / capacity >= 0.97), `${media}: all but the last disc ≥ 97% full`)
    t.equal(sp.plan.volumes.reduce((s, v) => s + v.bytes, 0), data, 'every byte is planned once')
  }
})

t.test('one disc: 10% parity, no loss survival; an explicit redundancy is honoured', async t => {
  const files: PlanFile[] = [{ service: 'wiki', generation: '20261122T030000Z-full', name: 'data.tar.zst', bytes: 300 * 1024 ** 2, sha256: sha }]
  const one = planSet({ files, capacity: MEDIA.cd, treeBytes: 1000, readmeBytes: 5000 })
  t.equal(one.plan.volumes.length, 1)
  t.notOk(one.parity.survivesDiscLoss)
  t.ok(one.parity.redundancyPercent >= 10)
  const more = planSet({ files, capacity: MEDIA.cd, treeBytes: 1000, readmeBytes: 5000, redundancy: 50 })
  t.ok(more.parity.redundancyPercent >= 50)
  t.ok(more.imageBytes.every(b => b <= MEDIA.cd))
  const big: PlanFile[] = [{ ...files[0]!, bytes: 2 * 1024 ** 3 }]
  const split = planSet({ files: big, capacity: MEDIA.cd, treeBytes: 1000, readmeBytes: 5000 })
  t.ok(split.plan.volumes.length >= 4, `a 2 GiB file on CDs takes ${split.plan.volumes.length} discs`)
  t.ok(split.parity.survivesDiscLoss)
})

t.test('refusals: nothing to write, a medium too small for its own metadata, a name too long for a disc', async t => {
  t.throws(() => planSet({ files: [], capacity: MEDIA.cd, treeBytes: 0, readmeBytes: 0 }), { code: 'USAGE' })
  const f: PlanFile = { service: 'wiki', generation: '20261122T030000Z-full', name: 'data.tar.zst', bytes: 10, sha256: sha }
  t.throws(() => planSet({ files: [f], capacity: 1024 * 1024, treeBytes: 2 * 1024 * 1024, readmeBytes: 0 }), { code: 'USAGE' })
  t.throws(() => planSet({ files: [{ ...f, name: 'x'.repeat(90) }], capacity: MEDIA.cd, treeBytes: 0, readmeBytes: 0 }), { code: 'NAME_INVALID' })
  t.ok(discMetaBytes({ pieces: 10, files: 10, nameBytes: 60, discs: 2, treeBytes: 5000, readmeBytes: 6000 }) > 11000)
})

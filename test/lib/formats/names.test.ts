import t from 'tap'
import { generationId, generationTime, generationKind, isGenerationId, isName, assertName } from '../../../lib/formats/names.js'

t.test('generation ids sort by time and name their kind', async t => {
  const at = new Date('2026-11-22T03:00:00.123Z')
  t.equal(generationId(at, 'full'), '20261122T030000Z-full')
  t.equal(generationTime('20261122T030000Z-incr').toISOString(), '2026-11-22T03:00:00.000Z')
  t.equal(generationKind('20261122T030000Z-diff'), 'diff')
  const ids = [generationId(new Date('2026-11-23T00:00:00Z'), 'incr'), generationId(at, 'full')]
  t.same([...ids].sort(), [ids[1], ids[0]])
})

t.test('rejects generation ids that could be paths', async t => {
  for (const bad of ['../20261122T030000Z-full', '20261122T030000Z-full/..', '20261122T030000Z-other', '', '.basis', '20261122T030000Z-full\n']) {
    t.notOk(isGenerationId(bad), JSON.stringify(bad))
  }
})

t.test('service names are safe user and folder names', async t => {
  t.ok(isName('wiki'))
  t.ok(isName('mail-2'))
  for (const bad of ['Wiki', '-x', 'a/b', '..', 'a b', '', 'x'.repeat(33), 'wiki\0']) t.notOk(isName(bad), JSON.stringify(bad))
  t.throws(() => assertName('../etc', 'service'), { code: 'NAME_INVALID' })
})

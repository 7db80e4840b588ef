import t from 'tap'
import { closure, dependsOn, resolveChain, type ChainLink } from '../../../lib/formats/chain.js'
import { RoostError } from '../../../lib/errors.js'

const F = '20261101T030000Z-full'
const I1 = '20261102T030000Z-incr'
const I2 = '20261103T030000Z-incr'
const D = '20261104T030000Z-diff'
const gens: Record<string, ChainLink> = {
  [F]: { generation: F, kind: 'full', base: null, parent: null },
  [I1]: { generation: I1, kind: 'incr', parent: F },
  [I2]: { generation: I2, kind: 'incr', parent: I1 },
  [D]: { generation: D, kind: 'diff', base: F },
}
const lookup = (g: string): ChainLink | undefined => gens[g]

t.test('an incr depends on its parent, a diff on its base, a full on nothing', async t => {
  t.equal(dependsOn(gens[I2]!), I1)
  t.equal(dependsOn(gens[D]!), F)
  t.equal(dependsOn(gens[F]!), null)
})

t.test('resolves a chain oldest first', async t => {
  t.strictSame(resolveChain(I2, lookup, 'here'), [F, I1, I2])
  t.strictSame(resolveChain(D, lookup, 'here'), [F, D])
  t.strictSame(resolveChain(F, lookup, 'here'), [F])
})

t.test('names the missing link of a broken chain', async t => {
  const broken = (g: string) => (g === I1 ? undefined : gens[g])
  const err = (() => {
    try {
      resolveChain(I2, broken, 'the store')
    } catch (e) {
      return e
    }
  })()
  t.ok(err instanceof RoostError)
  t.match(err, { code: 'CHAIN_BROKEN', message: `${I2} needs ${I1}, which is not in the store` })
  t.throws(() => resolveChain('20261109T030000Z-full', lookup, 'x'), { code: 'CHAIN_BROKEN' })
})

t.test('refuses a loop', async t => {
  const a = '20261102T030000Z-incr'
  const b = '20261103T030000Z-incr'
  const loop: Record<string, ChainLink> = { [a]: { generation: a, kind: 'incr', parent: b }, [b]: { generation: b, kind: 'incr', parent: a } }
  t.throws(() => resolveChain(a, g => loop[g], 'x'), /loops/)
})

t.test('closure adds every dependency of what is kept', async t => {
  t.strictSame([...closure([I2], lookup)].sort(), [F, I1, I2].sort())
  t.strictSame([...closure([D, F], lookup)].sort(), [F, D].sort())
  t.strictSame([...closure([], lookup)], [])
})

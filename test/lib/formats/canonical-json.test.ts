import t from 'tap'
import { canonicalJson } from '../../../lib/formats/canonical-json.js'

t.test('sorts keys recursively and drops whitespace', async t => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}')
})

t.test('the same object with keys in another order gives the same bytes', async t => {
  t.equal(canonicalJson({ x: 1, y: [1, 2], z: null }), canonicalJson({ z: null, y: [1, 2], x: 1 }))
})

t.test('omits undefined members and escapes strings as JSON does', async t => {
  t.equal(canonicalJson({ a: undefined, b: 'line\nbreak "q" ü' }), '{"b":"line\\nbreak \\"q\\" ü"}')
})

t.test('refuses values JSON cannot carry', async t => {
  t.throws(() => canonicalJson({ n: Infinity }), /non-finite/)
  t.throws(() => canonicalJson({ f: () => 1 }), /cannot encode/)
})

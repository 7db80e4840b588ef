/** Service-like test data: the same generator the demo uses. */
export { makeServiceTree, mutateTree, type FixtureOptions } from '../../scripts/fixtures.js'

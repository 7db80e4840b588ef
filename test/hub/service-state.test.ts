import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { emptyServiceState, lastReset, readServiceState, serviceStatePath, withoutPin, withPin, withReset, writeServiceState } from '../../hub/service-state.js'
import { isRoostError } from '../../lib/errors.js'
import type { HubPaths } from '../../lib/config/hub.js'

const G = '20261122T030000Z-full'

function hubAt(root: string): HubPaths {
  return { config: join(root, 'hub.yaml'), root, hostKey: '', indexKey: '', accounts: join(root, 'accounts'), store: join(root, 'store'), rejected: join(root, 'rejected'), staging: join(root, 'staging'), state: join(root, 'state') }
}

t.test('pins and resets are pure updates of the state', async t => {
  const s0 = emptyServiceState('wiki')
  const s1 = withPin(s0, G, new Date('2026-11-22T05:00:00Z'), 'before the upgrade')
  t.same(s1.pins, { [G]: { at: '2026-11-22T05:00:00.000Z', note: 'before the upgrade' } })
  t.same(s0.pins, {}, 'the old state is unchanged')
  t.same(withPin(s1, G, new Date('2026-11-23T05:00:00Z')).pins, { [G]: { at: '2026-11-23T05:00:00.000Z' } }, 're-pinning replaces the note')
  t.same(withoutPin(s1, G).pins, {})
  t.same(withoutPin(s0, G).pins, {}, 'unpinning what is not pinned changes nothing')
  t.equal(lastReset(s0), null)
  const r = withReset(withReset(s0, new Date('2026-11-20T00:00:00Z')), new Date('2026-11-21T00:00:00Z'))
  t.equal(lastReset(r), '2026-11-21T00:00:00.000Z')
  t.equal(r.resets.length, 2, 'every reset is kept')
})

t.test('state/services/<svc>.json is written atomically, 0600, and read back', async t => {
  const paths = hubAt(t.testdir())
  t.same(await readServiceState(paths, 'wiki'), emptyServiceState('wiki'), 'no file: nothing decided yet')
  const s = withReset(withPin(emptyServiceState('wiki'), G, new Date('2026-11-22T05:00:00Z')), new Date('2026-11-22T06:00:00Z'))
  await writeServiceState(paths, s)
  t.equal((await fs.stat(serviceStatePath(paths, 'wiki'))).mode & 0o777, 0o600)
  t.same(await readServiceState(paths, 'wiki'), s)
  t.same((await fs.readdir(join(paths.state, 'services'))).sort(), ['wiki.json'], 'no temp files left')
})

t.test('a damaged or misfiled state is an error naming the file', async t => {
  const paths = hubAt(t.testdir())
  await writeServiceState(paths, emptyServiceState('wiki'))
  await fs.writeFile(serviceStatePath(paths, 'wiki'), '{nope')
  const err = await readServiceState(paths, 'wiki').catch(e => e)
  t.ok(isRoostError(err, 'INDEX_INVALID'))
  t.match(err.message, serviceStatePath(paths, 'wiki'))
  await fs.writeFile(serviceStatePath(paths, 'wiki'), JSON.stringify(emptyServiceState('blog')))
  t.ok(isRoostError(await readServiceState(paths, 'wiki').catch(e => e), 'INDEX_INVALID'), "another service's state")
  t.throws(() => serviceStatePath(paths, '../etc'), 'a name that is not a service never becomes a path')
})

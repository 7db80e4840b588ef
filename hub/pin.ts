/**
 * `roost hub pin SERVICE GEN [--note TEXT]` and `roost hub unpin SERVICE GEN`: a pinned
 * generation is never removed by retention, and neither is anything it builds on (its chain).
 * Pins live in the service's state (hub/service-state.ts); both commands hold the store lock.
 */
import type { Output } from '../lib/cli.js'
import { loadHubConfig, type HubConfig, type HubPaths } from '../lib/config/hub.js'
import { RoostError } from '../lib/errors.js'
import { assertName, isGenerationId } from '../lib/formats/names.js'
import { readServiceBooks } from './books.js'
import { readServiceState, withoutPin, withPin, writeServiceState } from './service-state.js'
import { withStoreLock } from './store-lock.js'

export interface PinOptions {
  configFile: string
  service: string
  generation: string
  /** Only for pin. */
  note?: string | undefined
  now: Date
}

export interface PinResult {
  service: string
  generation: string
  pinned: boolean
  /** False when it already was (pin) or was not (unpin) pinned. */
  changed: boolean
  note?: string
}

/** Checks the names and that the service is in hub.yaml. */
export function checkTarget(config: HubConfig, service: string, generation?: string): void {
  assertName(service, 'service name')
  if (!Object.hasOwn(config.services, service)) throw new RoostError('SERVICE_UNKNOWN', `service '${service}' is not in hub.yaml`, { hint: 'roost hub status lists the services' })
  if (generation !== undefined && !isGenerationId(generation)) {
    throw new RoostError('USAGE', `'${generation}' is not a generation id`, { hint: 'a generation id looks like 20261122T030000Z-full; roost hub prune --dry-run lists them' })
  }
}

async function isStored(paths: HubPaths, service: string, generation: string): Promise<boolean> {
  return (await readServiceBooks(paths, service)).some(r => r.generation === generation)
}

function notFound(service: string, generation: string): RoostError {
  return new RoostError('GENERATION_NOT_FOUND', `generation ${generation} of service '${service}' is not in the store`, { hint: `roost hub prune ${service} --dry-run lists its generations` })
}

/** Pins a stored generation (re-pinning replaces the note). Throws GENERATION_NOT_FOUND when it is not stored. */
export async function pinGeneration(o: PinOptions): Promise<PinResult> {
  const { config, paths } = await loadHubConfig(o.configFile)
  checkTarget(config, o.service, o.generation)
  return withStoreLock(paths, async () => {
    if (!(await isStored(paths, o.service, o.generation))) throw notFound(o.service, o.generation)
    const state = await readServiceState(paths, o.service)
    const before = state.pins[o.generation]
    const changed = !before || before.note !== o.note
    if (changed) await writeServiceState(paths, withPin(state, o.generation, o.now, o.note))
    const note = o.note ?? before?.note
    return { service: o.service, generation: o.generation, pinned: true, changed, ...(note === undefined ? {} : { note }) }
  })
}

/** Removes a pin. Throws GENERATION_NOT_FOUND when the generation is neither pinned nor stored. */
export async function unpinGeneration(o: PinOptions): Promise<PinResult> {
  const { config, paths } = await loadHubConfig(o.configFile)
  checkTarget(config, o.service, o.generation)
  return withStoreLock(paths, async () => {
    const state = await readServiceState(paths, o.service)
    if (!Object.hasOwn(state.pins, o.generation)) {
      if (!(await isStored(paths, o.service, o.generation))) throw notFound(o.service, o.generation)
      return { service: o.service, generation: o.generation, pinned: false, changed: false }
    }
    await writeServiceState(paths, withoutPin(state, o.generation))
    return { service: o.service, generation: o.generation, pinned: false, changed: true }
  })
}

/** The text a person reads. Pure. */
export function renderPin(r: PinResult): Output {
  const what = r.pinned
    ? `${r.service}/${r.generation}: ${r.changed ? 'pinned' : 'already pinned'}${r.note ? ` (${r.note})` : ''}; retention keeps it and its chain`
    : `${r.service}/${r.generation}: ${r.changed ? 'unpinned; retention decides about it again' : 'was not pinned'}`
  return { json: r, text: what + '\n' }
}

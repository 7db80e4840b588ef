/**
 * Lookups in a verified index that every tree-backed reader shares (a store folder, a bucket, a
 * store over SSH): a service, a generation, the ids, the manifest key — each refused with the
 * same clear error. `where` completes "is not in …", e.g. `the index of /srv/mirror/store`.
 */
import { RoostError } from '../errors.js'
import { parsePublicKey, type PublicKey } from '../sign.js'
import { TREE_FILE, type Tree, type TreeGeneration, type TreeService } from '../formats/tree.js'
import { assertName, isGenerationId } from '../formats/names.js'

export function serviceIn(tree: Tree, service: string, where: string): TreeService {
  assertName(service, 'service')
  const svc = Object.hasOwn(tree.services, service) ? tree.services[service] : undefined
  if (!svc) throw new RoostError('SERVICE_UNKNOWN', `service '${service}' is not in ${where}`, { hint: `services there: ${Object.keys(tree.services).sort().join(', ') || 'none'}` })
  return svc
}

export function generationIn(tree: Tree, service: string, generation: string, where: string): TreeGeneration {
  const entry = isGenerationId(generation) && Object.hasOwn(serviceIn(tree, service, where).generations, generation) ? tree.services[service]!.generations[generation] : undefined
  if (!entry) throw new RoostError('GENERATION_NOT_FOUND', `generation ${generation} of service '${service}' is not in ${where}`)
  return entry
}

/** The service's generation ids, oldest first. */
export function generationIds(tree: Tree, service: string, where: string): string[] {
  return Object.keys(serviceIn(tree, service, where).generations).filter(isGenerationId).sort()
}

/** The key the service's manifests are signed with, as the index lists it. */
export function serviceKey(tree: Tree, service: string, where: string): PublicKey {
  return parsePublicKey(serviceIn(tree, service, where).key, `${TREE_FILE}: key of service '${service}'`)
}

/**
 * Publishes the signed index: builds TREE.json from the hub's books (never from a rehash of
 * the store), one serial above the last published, signs it with the index key, and writes
 * store/TREE.json.sig then store/TREE.json atomically (the mirrors' order). Publishes in one process run one at a time.
 */
import { join } from 'node:path'
import { buildTree, parseTree, signTree, TREE_FILE, TREE_SIG_FILE } from '../../lib/formats/tree.js'
import { ensureDir, readIfExists, writeFileAtomic } from '../../lib/fsx/atomic.js'
import { parsePublicKey, type PrivateKey } from '../../lib/sign.js'
import type { HubConfig, HubPaths } from '../../lib/config/hub.js'
import type { Logger } from '../../lib/log.js'
import { readAllBooks } from '../books.js'
import { recordSerial } from '../mirror-traces.js'

export interface PublishDeps {
  paths: HubPaths
  config: HubConfig
  indexKey: PrivateKey
  now: Date
  log: Logger
}

/** The serial of the published TREE.json, 0 when there is none. Throws INDEX_INVALID if it is damaged. */
export async function publishedSerial(paths: HubPaths): Promise<number> {
  const file = join(paths.store, TREE_FILE)
  const text = await readIfExists(file)
  return text === undefined ? 0 : parseTree(text, file).serial
}

/** Each configured service's key line as the index lists it (without the comment). */
export function indexKeys(config: HubConfig): Record<string, string> {
  const keys: Record<string, string> = {}
  for (const [name, svc] of Object.entries(config.services)) {
    try {
      keys[name] = parsePublicKey(svc.key, `hub.yaml services.${name}.key`).line
    } catch {
      keys[name] = svc.key.trim().split(/\s+/).slice(0, 2).join(' ')
    }
  }
  return keys
}

let queue: Promise<unknown> = Promise.resolve()

async function publishNow(d: PublishDeps): Promise<{ serial: number }> {
  const records = await readAllBooks(d.paths)
  const tree = buildTree(records, indexKeys(d.config), await publishedSerial(d.paths), d.now)
  const signed = signTree(tree, d.indexKey)
  await ensureDir(d.paths.store, 0o755)
  // signature first, as mirrors publish: a new TREE.json never appears before its signature,
  // and a reader that catches the instant between the two renames re-reads (a mismatched pair
  // cannot verify); a crash in between is mended by the next publish
  await writeFileAtomic(join(d.paths.store, TREE_SIG_FILE), signed.signature, 0o644)
  await writeFileAtomic(join(d.paths.store, TREE_FILE), signed.bytes, 0o644)
  await recordSerial(d.paths, { serial: tree.serial, published: tree.published }).catch(err => d.log.warn({ err: (err as Error).message }, 'could not record the publish in state/serials.jsonl'))
  d.log.info({ serial: tree.serial, generations: records.length }, 'index published')
  return { serial: tree.serial }
}

/**
 * Builds, signs and writes the next index. The serial only grows: it is one more than the
 * published TREE.json's. Calls are serialised so two publishes never share a serial.
 */
export function publishIndex(deps: PublishDeps): Promise<{ serial: number }> {
  const next = queue.then(() => publishNow(deps))
  queue = next.catch(() => {})
  return next
}

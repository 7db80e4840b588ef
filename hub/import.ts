/**
 * `roost hub import FILE`: takes an export (lib/export) back into the store through exactly
 * the validation an upload gets. The export is checked member by member before anything is
 * read (lib/export/read.ts); then, in one pass over it, each link the store does not hold yet
 * is put into `accounts/<svc>/incoming/<gen>/` as a spoke would upload it — a plain link's
 * data.tar.zst decompressed into `data.tar`, an encrypted link's `data.tar.zst.age` copied
 * unchanged (the hub holds no key) — its manifest.json written last, and handed to `ingestArrival` — or, when `hub serve` is running and its watcher takes
 * the arrival first, its verdict is awaited from the store and status.json. The key inside
 * the export is never trusted: hub.yaml's key for the service is what verifies.
 */
import { createWriteStream, promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { RoostError } from '../lib/errors.js'
import type { Logger } from '../lib/log.js'
import { loadHubConfig, type HubPaths } from '../lib/config/hub.js'
import { publishFileLast, readIfExists } from '../lib/fsx/atomic.js'
import { ARCHIVE, ENCRYPTED_ARCHIVE, MANIFEST, STORED_ARCHIVE, storedArchiveName } from '../lib/layout.js'
import { MANIFEST_MAX_BYTES, parseManifest } from '../lib/formats/manifest.js'
import { parsePublicKey, readPrivateKey } from '../lib/sign.js'
import { startChild, TolerantSink } from '../lib/proc/pipe.js'
import { decompressArgs } from '../lib/zstd.js'
import { EXPORT_INFO, EXPORT_INFO_MAX_BYTES } from '../lib/export/format.js'
import { collect, drain, openExport, streamMembers, type OpenedExport } from '../lib/export/read.js'
import { ensureServiceLayout, incomingDir } from './accounts.js'
import { readServiceStatus } from './service-status.js'
import { arrivalDir, pendingMark } from './ingest/gather.js'
import { ingestArrival } from './ingest/ingest.js'
import type { IngestContext } from './ingest/accept.js'

export interface ImportOptions {
  configFile: string
  file: string
  log: Logger
  now: () => Date
  /** How long a running `hub serve` may leave an arrival untaken before the import gives up (default 120 s). */
  takeTimeoutMs?: number
}

/** What became of one link: stored now, stored before, refused, or not tried after an earlier refusal. */
export interface LinkResult {
  generation: string
  outcome: 'accepted' | 'held' | 'rejected' | 'not-tried'
  code?: string
  message?: string
}

export interface ImportResult {
  service: string
  generation: string
  file: string
  links: LinkResult[]
  /** False when the key named inside the export is not the one hub.yaml registers (the hub.yaml key verified). */
  exportKeyMatches: boolean
}

const exists = (p: string): Promise<boolean> => fs.lstat(p).then(() => true, () => false)
const sleep = (ms: number): Promise<void> => new Promise(res => setTimeout(res, ms))

/** True while `hub serve` runs for this hub root (state/listen.json names a live process). */
export async function hubServing(paths: HubPaths): Promise<boolean> {
  const text = await readIfExists(join(paths.state, 'listen.json'))
  let pid: unknown
  try {
    pid = text === undefined ? undefined : (JSON.parse(text) as { pid?: unknown }).pid
  } catch {
    return false
  }
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function storedManifest(paths: HubPaths, service: string, generation: string): Promise<Buffer | undefined> {
  return fs.readFile(join(paths.store, service, generation, MANIFEST)).catch(() => undefined)
}

/** Decompresses a member into `path` (a new file). Throws EXPORT_INVALID when it does not decompress. */
async function decompressInto(content: Readable, path: string, where: string): Promise<void> {
  const zstd = startChild(decompressArgs(), { stdout: createWriteStream(path, { flags: 'wx', mode: 0o600 }), code: 'ZSTD_FAILED', what: `zstd -d of ${where}` })
  const [fed, done] = await Promise.allSettled([pipeline(content, new TolerantSink(zstd.stdin!)), zstd.done])
  if (fed.status === 'rejected') throw fed.reason
  if (done.status === 'rejected') {
    const why = (done.reason as Error).message
    throw new RoostError('EXPORT_INVALID', `${where} does not decompress: ${why}`, { cause: done.reason, hint: 'the export is corrupt or was altered; nothing of this link reached the hub' })
  }
}

/** Copies a member unchanged into `path` (a new file). */
async function copyInto(content: Readable, path: string): Promise<void> {
  await pipeline(content, createWriteStream(path, { flags: 'wx', mode: 0o600 }))
}

/**
 * Checks that a link's archive member is the one its manifest's shape stores (data.tar.zst,
 * or data.tar.zst.age when encrypted). A manifest that does not parse is left to the hub,
 * which rejects it as an upload. Throws EXPORT_INVALID. Pure.
 */
export function checkArchiveMember(archive: string, manifest: Buffer, where: string): void {
  let want: string
  try {
    want = storedArchiveName(parseManifest(manifest.toString('utf8'), where))
  } catch {
    return
  }
  if (archive !== want) {
    throw new RoostError('EXPORT_INVALID', `${where}: the link's manifest says its archive is ${want}, not ${archive}`, { hint: 'the export was altered; nothing of this link reached the hub' })
  }
}

/** The verdict on an arrival someone else (hub serve's watcher) may be ingesting; ingests it here if the hub stops. */
async function awaitOutcome(c: IngestContext, service: string, gen: string, manifest: Buffer, since: Date, takeTimeoutMs: number): Promise<LinkResult> {
  const incoming = join(incomingDir(c.paths, service), gen, MANIFEST)
  const started = Date.now()
  for (;;) {
    const waiting = await exists(incoming)
    if (waiting || (await exists(arrivalDir(c.paths, service, gen)))) {
      if (!(await hubServing(c.paths))) {
        const r = await ingestArrival(c, service, gen)
        if (r.outcome !== 'nothing') return r.outcome === 'accepted' ? { generation: gen, outcome: 'accepted' } : { generation: gen, outcome: 'rejected', code: r.code, message: r.message }
      } else if (waiting && Date.now() - started > takeTimeoutMs) {
        throw new RoostError('IMPORT_REJECTED', `hub serve did not take ${service}/${gen} from incoming within ${Math.round(takeTimeoutMs / 1000)} s`, { hint: 'it stays in incoming for the hub to ingest; check the hub log' })
      }
    } else {
      const stored = await storedManifest(c.paths, service, gen)
      if (stored?.equals(manifest) && !(await exists(pendingMark(c.paths, service, gen)))) return { generation: gen, outcome: 'accepted' }
      const reject = (await readServiceStatus(c.paths, service))?.lastReject
      if (reject?.generation === gen && Date.parse(reject.at) >= since.getTime() - 1000) return { generation: gen, outcome: 'rejected', code: reject.code, message: reject.message }
    }
    await sleep(100)
  }
}

/**
 * Puts one link into incoming as its upload (data.tar from data.tar.zst, or data.tar.zst.age
 * as it is; then manifest.json last) and gets the hub's verdict on it.
 */
async function importLink(c: IngestContext, service: string, gen: string, archive: string, content: Readable, manifest: Buffer, o: { where: string; takeTimeoutMs: number }): Promise<LinkResult> {
  checkArchiveMember(archive, manifest, o.where)
  const dir = join(incomingDir(c.paths, service), gen)
  await fs.mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err
    throw new RoostError('IMPORT_REJECTED', `${dir} already exists: an upload of ${service}/${gen} in progress, or an import cut short`, {
      hint: 'wait for the upload to finish; if nothing is uploading, remove that folder and import again',
    })
  })
  try {
    if (archive === ENCRYPTED_ARCHIVE) await copyInto(content, join(dir, ENCRYPTED_ARCHIVE))
    else if (archive === STORED_ARCHIVE) await decompressInto(content, join(dir, ARCHIVE), o.where)
    else throw new Error(`importLink: not an archive member: ${archive}`)
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true })
    throw err
  }
  const since = c.now()
  // last: once manifest.json appears, hub serve's watcher may take (and move) the folder at once
  await publishFileLast(join(dir, MANIFEST), manifest, 0o600)
  c.log.info({ service, generation: gen }, 'imported link handed to ingest')
  if (!(await hubServing(c.paths))) {
    const r = await ingestArrival(c, service, gen)
    if (r.outcome === 'accepted') return { generation: gen, outcome: 'accepted' }
    if (r.outcome === 'rejected') return { generation: gen, outcome: 'rejected', code: r.code, message: r.message }
  }
  return awaitOutcome(c, service, gen, manifest, since, o.takeTimeoutMs)
}

/** A link the store already holds: skipped, unless the store's copy is a different generation under the same id. */
async function heldLink(paths: HubPaths, service: string, gen: string, manifest: Buffer): Promise<LinkResult> {
  const stored = await storedManifest(paths, service, gen)
  if (stored?.equals(manifest)) return { generation: gen, outcome: 'held' }
  return { generation: gen, outcome: 'rejected', code: 'ARRIVAL_REPLAYED', message: `the store already holds a different ${service}/${gen} (its manifest differs)` }
}

class StopImport extends Error {}

/** Streams the export once, importing the links not held, in chain order; stops at the first rejection. */
async function importLinks(c: IngestContext, ex: OpenedExport, held: ReadonlySet<string>, takeTimeoutMs: number): Promise<LinkResult[]> {
  const service = ex.info.service
  const manifests = new Map<string, Buffer>()
  const results: LinkResult[] = []
  await streamMembers(ex, async (m, content) => {
    const where = `${ex.file}: ${m.name}`
    if (m.name === EXPORT_INFO) {
      if (!(await collect(content, EXPORT_INFO_MAX_BYTES, where)).equals(ex.infoBytes)) throw new RoostError('EXPORT_INVALID', `${where} changed while being read`)
      return
    }
    const [gen, part] = m.name.split('/') as [string, string]
    if (part === MANIFEST) {
      manifests.set(gen, await collect(content, MANIFEST_MAX_BYTES, where))
      return
    }
    let r: LinkResult
    if (held.has(gen)) {
      await drain(content)
      r = await heldLink(c.paths, service, gen, manifests.get(gen)!)
    } else {
      r = await importLink(c, service, gen, part, content, manifests.get(gen)!, { where, takeTimeoutMs })
    }
    results.push(r)
    if (r.outcome === 'rejected') throw new StopImport()
  }).catch(err => {
    if (!(err instanceof StopImport)) throw err
  })
  const done = new Set(results.map(r => r.generation))
  return [...results, ...ex.info.chain.filter(g => !done.has(g)).map(g => ({ generation: g, outcome: 'not-tried' as const }))]
}

function keyMatches(exportKey: string, registered: string): boolean {
  try {
    return parsePublicKey(exportKey).line === parsePublicKey(registered).line
  } catch {
    return false
  }
}

/**
 * Imports an export into the hub's store. Throws EXPORT_INVALID (exit 3) for a file that is
 * not a well-formed export, SERVICE_UNKNOWN (exit 2) for a service hub.yaml does not register,
 * IMPORT_REJECTED (exit 1) naming the hub's code and message when a link was rejected.
 */
export async function importExport(o: ImportOptions): Promise<ImportResult> {
  const { config, paths } = await loadHubConfig(o.configFile)
  const ex = await openExport(o.file)
  const { service, generation, chain } = ex.info
  const svc = Object.hasOwn(config.services, service) ? config.services[service] : undefined
  if (!svc) throw new RoostError('SERVICE_UNKNOWN', `${ex.file} is an export of service '${service}', which is not registered in ${paths.config}`, { hint: `register it with its spoke's key first: roost hub add-service ${service} --key 'ssh-ed25519 …'` })
  const exportKeyMatches = keyMatches(ex.info.key, svc.key)
  const log = o.log.child({ service, file: ex.file })
  if (!exportKeyMatches) log.warn({}, "the export names another key than hub.yaml's; hub.yaml's key verifies")
  await ensureServiceLayout(paths, service)
  const c: IngestContext = { paths, config, indexKey: await readPrivateKey(paths.indexKey), log, now: o.now }
  const held = new Set<string>()
  for (const g of chain) if (await storedManifest(paths, service, g)) held.add(g)
  const links = await importLinks(c, ex, held, o.takeTimeoutMs ?? 120_000)
  const bad = links.find(l => l.outcome === 'rejected')
  if (bad) {
    throw new RoostError('IMPORT_REJECTED', `${service}/${bad.generation} from ${ex.file} was rejected: ${bad.code}: ${bad.message}`, {
      hint: links.map(l => `${l.generation}: ${l.outcome}${l.code ? ` (${l.code})` : ''}`).join('\n'),
      detail: { links },
    })
  }
  return { service, generation, file: ex.file, links, exportKeyMatches }
}

/**
 * The ingest daemon: chokidar (its one home) watches accounts/ for
 * `<svc>/incoming/<generation>/manifest.json` and feeds a queue that ingests up to
 * `ingest.parallel` arrivals at once (one service's in order, one at a time; each commit
 * takes the store lock, so only the streaming passes overlap). On start (and every few
 * seconds as a safety net) every incoming is scanned, so whatever arrived while the hub was
 * down, or in a service added to hub.yaml later, is ingested. One failing ingest is logged; the daemon goes on.
 */
import { promises as fs } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { GENERATION_RE, NAME_RE } from '../../lib/formats/names.js'
import { MANIFEST } from '../../lib/layout.js'
import type { HubConfig, HubPaths } from '../../lib/config/hub.js'
import type { PrivateKey } from '../../lib/sign.js'
import type { Logger } from '../../lib/log.js'
import { cleanStaging } from './accept.js'
import { ingestArrival } from './ingest.js'

export interface IngestDeps {
  paths: HubPaths
  getConfig: () => HubConfig
  indexKey: PrivateKey
  log: Logger
  now: () => Date
  /** How often every incoming is rescanned besides the watcher (default 10 s; 0: never). */
  rescanMs?: number
  /** Told of every arrival accepted or rejected, with how long it took (for metrics). */
  onOutcome?: (service: string, ok: boolean, seconds: number) => void
}

export interface Ingest {
  close(): Promise<void>
  /** Resolves when no arrival is queued or being ingested. */
  idle(): Promise<void>
}

export interface ArrivalRef {
  service: string
  folder: string
}

/**
 * Which arrival a path under accounts/ names, if any: `<svc>/incoming/<generation>/manifest.json`,
 * or with `folder` set, the folder `<svc>/incoming/<generation>` itself; with a valid service
 * name and generation id. Pure.
 */
export function arrivalOf(accounts: string, path: string, folder = false): ArrivalRef | undefined {
  const parts = relative(accounts, path).split(sep)
  if (parts.length !== (folder ? 3 : 4) || parts[1] !== 'incoming' || (!folder && parts[3] !== MANIFEST)) return undefined
  const [service, , gen] = parts as [string, string, string]
  return NAME_RE.test(service) && GENERATION_RE.test(gen) ? { service, folder: gen } : undefined
}

/** True for paths the watcher never needs: dot-entries (rsync temp files, .basis, partials) and anything off the arrival pattern. Pure. */
export function ignoredPath(accounts: string, path: string): boolean {
  const rel = relative(accounts, path)
  if (rel === '') return false
  const parts = rel.split(sep)
  if (parts[0] === '..' || parts.some(p => p.startsWith('.'))) return true
  if (parts.length > 4 || !NAME_RE.test(parts[0]!)) return true
  if (parts.length >= 2 && parts[1] !== 'incoming') return true
  if (parts.length >= 3 && !GENERATION_RE.test(parts[2]!)) return true
  return parts.length === 4 && parts[3] !== MANIFEST
}

/** Every arrival with a manifest present in any incoming, and every arrival an interrupted ingest had already taken. */
export async function scanArrivals(accounts: string): Promise<ArrivalRef[]> {
  const out: ArrivalRef[] = []
  const services = await fs.readdir(accounts).catch(() => [] as string[])
  for (const service of services.filter(s => NAME_RE.test(s)).sort()) {
    const taken = await fs.readdir(join(accounts, service, 'ingesting')).catch(() => [] as string[])
    for (const folder of taken.filter(f => GENERATION_RE.test(f)).sort()) out.push({ service, folder })
    const incoming = join(accounts, service, 'incoming')
    const folders = await fs.readdir(incoming).catch(() => [] as string[])
    for (const folder of folders.filter(f => GENERATION_RE.test(f)).sort()) {
      const has = await fs.lstat(join(incoming, folder, MANIFEST)).then(() => true, () => false)
      if (has) out.push({ service, folder })
    }
  }
  return out
}

/** When to look into a new arrival folder again after it appeared. */
const LOOK_AGAIN_MS = [250, 1000, 4000]

/**
 * A queue that runs up to `parallel` jobs at once, never two of one service at once (a
 * service's arrivals are ingested in order), and drops a job already waiting.
 */
export function ingestQueue(run: (a: ArrivalRef) => Promise<void>, parallel: () => number): { push(a: ArrivalRef): void; idle(): Promise<void> } {
  const pending = new Map<string, ArrivalRef>()
  const busy = new Set<string>()
  let waiters: Array<() => void> = []
  const pump = (): void => {
    for (const [key, a] of pending) {
      if (busy.size >= Math.max(1, parallel())) break
      if (busy.has(a.service)) continue
      pending.delete(key)
      busy.add(a.service)
      void run(a).finally(() => {
        busy.delete(a.service)
        pump()
      })
    }
    if (busy.size === 0 && pending.size === 0) {
      const w = waiters
      waiters = []
      for (const f of w) f()
    }
  }
  return {
    push(a) {
      pending.set(`${a.service}/${a.folder}`, a)
      pump()
    },
    idle() {
      if (busy.size === 0 && pending.size === 0) return Promise.resolve()
      return new Promise(res => waiters.push(res))
    },
  }
}

/**
 * Watches accounts/ and reports every arrival folder that appears and every manifest that
 * lands. Resolves once the watcher is ready.
 */
async function watchAccounts(accounts: string, report: (a: ArrivalRef) => void, log: Logger): Promise<{ close(): Promise<void> }> {
  const watcher: FSWatcher = watch(accounts, { ignoreInitial: true, followSymlinks: false, depth: 3, ignored: (p: string) => ignoredPath(accounts, p) })
  const onManifest = (p: string): void => {
    const a = arrivalOf(accounts, p)
    if (a) report(a)
  }
  watcher.on('add', onManifest).on('change', onManifest)
  // chokidar can miss a file renamed into a folder in the first moments after the folder
  // appears: look into every new arrival folder now and a little later (an ingest without a
  // manifest is a no-op; the periodic rescan is the last safety net).
  const later = new Set<NodeJS.Timeout>()
  watcher.on('addDir', p => {
    const a = arrivalOf(accounts, p, true)
    if (!a) return
    report(a)
    for (const ms of LOOK_AGAIN_MS) {
      const timer = setTimeout(() => {
        later.delete(timer)
        report(a)
      }, ms)
      timer.unref()
      later.add(timer)
    }
  })
  watcher.on('error', err => log.error({ err }, 'watching incoming failed'))
  await new Promise<void>(res => watcher.once('ready', () => res()))
  return {
    async close() {
      for (const t of later) clearTimeout(t)
      await watcher.close()
    },
  }
}

/**
 * Starts ingesting: watches every incoming, processes what is already there, and returns
 * a handle to stop (after the current ingest finishes) or to wait until the queue is empty.
 */
export async function startIngest(deps: IngestDeps): Promise<Ingest> {
  const { paths, log } = deps
  await fs.mkdir(paths.accounts, { recursive: true })
  const removed = await cleanStaging(paths)
  if (removed) log.info({ removed }, 'removed leftover staging folders')
  const queue = ingestQueue(async a => {
    try {
      const t0 = Date.now()
      const r = await ingestArrival({ paths, config: deps.getConfig(), indexKey: deps.indexKey, log, now: deps.now }, a.service, a.folder)
      if (r.outcome === 'nothing') log.debug({ ...a }, 'no manifest (yet)')
      else deps.onOutcome?.(a.service, r.outcome === 'accepted', (Date.now() - t0) / 1000)
    } catch (err) {
      log.error({ err, ...a }, 'ingest failed; the arrival stays in ingesting/ and is retried')
    }
  }, () => deps.getConfig().ingest.parallel)
  let closed = false
  const push = (a: ArrivalRef): void => {
    if (!closed) queue.push(a)
  }
  const watcher = await watchAccounts(paths.accounts, push, log)
  const rescan = async (): Promise<void> => {
    try {
      for (const a of await scanArrivals(paths.accounts)) push(a)
    } catch (err) {
      log.error({ err }, 'scanning incoming failed')
    }
  }
  await rescan()
  const every = deps.rescanMs ?? 10_000
  const timer = every > 0 ? setInterval(() => void rescan(), every) : undefined
  timer?.unref()
  return {
    async close() {
      closed = true
      if (timer) clearInterval(timer)
      await watcher.close()
      await queue.idle()
    },
    idle: () => queue.idle(),
  }
}

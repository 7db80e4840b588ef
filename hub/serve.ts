/**
 * `roost hub serve`: the hub daemon. Loads hub.yaml (and re-reads it when it changes), checks
 * both keys, starts the SSH front door with the hub's exec policy and the ingest watcher,
 * writes state/listen.json once listening, and on SIGTERM/SIGINT closes everything and returns.
 * One bad arrival never stops it: ingest rejects it with a reason and goes on. After each
 * accepted generation ingest applies that service's retention (hub/retention/), logging any
 * alert as a warning (`retention alert`); ingest and `roost hub prune|pin|unpin|reset` run in
 * other processes take turns through the store lock (hub/store-lock.ts). Beside ingest it
 * runs the scheduled store verification and retention pass (hub/maintenance.ts); on stop it
 * waits for a running one to reach a point where it can stop. With `http` in hub.yaml it also
 * serves the status page and /metrics (hub/http.ts); listen.json then names that port too.
 */
import { stopSignal } from '../lib/signals.js'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import type { HubConfig } from '../lib/config/hub.js'
import { writeFileAtomic } from '../lib/fsx/atomic.js'
import { readPrivateKey } from '../lib/sign.js'
import { createFrontDoor } from '../lib/ssh/front-door.js'
import type { ExecDecision } from '../lib/ssh/types.js'
import type { Logger } from '../lib/log.js'
import { createConfigSource, type ConfigSource } from './config-source.js'
import { ensureHubLayout, ensureMirrorLayout, ensureServiceLayout, hasServiceLayout } from './accounts.js'
import { planExec } from './exec-policy.js'
import { startIngest } from './ingest/watch.js'
import { startMaintenance } from './maintenance.js'
import type { Periodic } from './periodic.js'
import { readToken, startHttp, type HttpSide } from './http.js'
import { countIngest, newCounters } from './metrics.js'
import { gatherHubState } from './status.js'

export interface ServeOptions {
  configFile: string
  log: Logger
  now: () => Date
  /** Resolves when the hub should stop (default: the first SIGTERM or SIGINT). */
  stop?: Promise<unknown>
}

/** The account a user name names in hub.yaml: a service, a mirror, or nothing (also when both claim it). */
export function accountOf(config: HubConfig, user: string): { kind: 'service' | 'mirror'; key: string } | undefined {
  const svc = Object.hasOwn(config.services, user) ? config.services[user] : undefined
  const mirror = Object.hasOwn(config.mirrors, user) ? config.mirrors[user] : undefined
  if (svc && mirror) return undefined
  if (svc) return { kind: 'service', key: svc.key }
  if (mirror) return { kind: 'mirror', key: mirror.key }
  return undefined
}

function execPolicy(source: ConfigSource, log: Logger): (user: string, command: string) => Promise<ExecDecision> {
  return async (user, command) => {
    const { config, paths } = await source.refresh()
    const account = accountOf(config, user)
    if (!account) return { allow: false, reason: `account '${user.slice(0, 64)}' is no longer registered on this hub` }
    const d = planExec({ kind: account.kind, name: user, accounts: paths.accounts, store: paths.store, rrsync: config.rrsync }, command)
    // a service added by editing hub.yaml by hand has no folders yet: make them on first use
    if (d.allow && account.kind === 'service' && !(await hasServiceLayout(paths, user))) {
      log.info({ service: user }, 'making the folders of a new service')
      await ensureServiceLayout(paths, user)
    }
    if (d.allow && account.kind === 'mirror') await ensureMirrorLayout(paths, user)
    return d
  }
}

/** Runs the hub until asked to stop. Throws CONFIG_* / KEY_* before it listens when set up wrong. */
export async function serveHub(o: ServeOptions): Promise<{ host: string; port: number }> {
  const sig = stopSignal()
  try {
    const source = await createConfigSource(o.configFile, o.log)
    const { config, paths } = source.get()
    await readPrivateKey(paths.hostKey) // refuses a missing or loose host key with a clear error
    const indexKey = await readPrivateKey(paths.indexKey)
    await ensureHubLayout(paths)
    for (const name of Object.keys(config.services)) await ensureServiceLayout(paths, name)
    for (const name of Object.keys(config.mirrors)) await ensureMirrorLayout(paths, name)
    const door = createFrontDoor({
      hostKeyFile: paths.hostKey,
      limits: config.limits,
      log: o.log.child({ part: 'ssh' }),
      keyFor: async user => (accountOf((await source.refresh()).config, user))?.key,
      planExec: execPolicy(source, o.log),
    })
    const port = await door.listen(config.listen.host, config.listen.port)
    const listenFile = join(paths.state, 'listen.json')
    let ingest: { close(): Promise<void> } | undefined
    let maintenance: Periodic | undefined
    let http: HttpSide | undefined
    const counters = newCounters()
    try {
      ingest = await startIngest({ paths, getConfig: () => source.get().config, indexKey, log: o.log.child({ part: 'ingest' }), now: o.now, onOutcome: (svc, ok, s) => countIngest(counters, svc, ok, s) })
      maintenance = startMaintenance({ source, log: o.log, now: o.now })
      if (config.http) {
        const token = config.http.tokenFile ? await readToken(resolve(paths.root, config.http.tokenFile)) : undefined
        http = await startHttp({ config: config.http, token, counters, log: o.log.child({ part: 'http' }), state: () => gatherHubState(source.get().paths, source.get().config, o.now()) })
      }
      await writeFileAtomic(listenFile, JSON.stringify({ host: config.listen.host, port, pid: process.pid, ...(http ? { http: { host: http.host, port: http.port } } : {}) }) + '\n', 0o644)
      o.log.info({ host: config.listen.host, port }, 'hub serving')
      const why = await Promise.race([o.stop ?? new Promise(() => {}), sig.promise])
      o.log.info({ why }, 'hub stopping')
    } finally {
      const stopping = maintenance?.close()
      await http?.close()
      await door.close()
      await ingest?.close()
      await stopping
      await fs.rm(listenFile, { force: true })
    }
    return { host: config.listen.host, port }
  } finally {
    sig.dispose()
  }
}

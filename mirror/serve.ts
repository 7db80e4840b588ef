/**
 * `roost mirror serve`: this mirror feeds others. The same SSH front door as the hub's
 * (lib/ssh/front-door.ts), with the mirror-account policy (lib/ssh/mirror-account.ts): a
 * downstream mirror registered with `roost mirror add-mirror` may read the published store,
 * write its own trace (forwarded upstream with this mirror's own), and watch the index.
 * mirror.yaml is re-read when it changes, so a mirror added meanwhile can log in at once.
 * Writes state/listen.json once listening; stops on SIGTERM/SIGINT.
 */
import { stopSignal } from '../lib/signals.js'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import { RoostError } from '../lib/errors.js'
import { loadMirrorConfig, type MirrorConfig, type MirrorPaths } from '../lib/config/mirror.js'
import { createFrontDoor } from '../lib/ssh/front-door.js'
import { planMirrorExec, traceDir } from '../lib/ssh/mirror-account.js'
import { readPrivateKey } from '../lib/sign.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'
import { accountsDir } from './trace.js'

export interface MirrorServeOptions {
  configFile: string
  log: Logger
  /** Resolves when the server should stop (default: the first SIGTERM or SIGINT). */
  stop?: Promise<unknown>
}

/** mirror.yaml, re-read when its mtime changes (a bad edit keeps the last good one, loudly). */
function configSource(file: string, first: { config: MirrorConfig; paths: MirrorPaths }, log: Logger): () => Promise<MirrorConfig> {
  let current = first.config
  let stamp = 0
  return async () => {
    const st = await fs.stat(file).catch(() => undefined)
    if (st && st.mtimeMs !== stamp) {
      stamp = st.mtimeMs
      try {
        current = (await loadMirrorConfig(file)).config
      } catch (err) {
        log.error({ err: (err as Error).message }, 'mirror.yaml changed but is not valid: keeping the last good one')
      }
    }
    return current
  }
}

/** Serves until asked to stop. Throws CONFIG_INVALID when mirror.yaml has no `serve`. */
export async function serveMirror(o: MirrorServeOptions): Promise<{ host: string; port: number }> {
  const first = await loadMirrorConfig(o.configFile)
  const { config, paths } = first
  if (!config.serve) {
    throw new RoostError('CONFIG_INVALID', `${paths.config} has no serve: section, so this mirror feeds no one`, { hint: 'run `roost mirror add-mirror NAME --key …`, which adds it, or add serve: {listen: {host, port}} by hand' })
  }
  if (config.bucket) {
    throw new RoostError('CONFIG_INVALID', `${paths.config} keeps its store in a bucket (${config.bucket.remote}); such a mirror cannot serve downstream mirrors`, { hint: 'let downstream mirrors pull from a mirror with a store folder, or read the bucket with rclone' })
  }
  const serve = config.serve
  const hostKey = paths.hostKey
  await readPrivateKey(hostKey) // a missing or loose host key is refused before listening
  const accounts = accountsDir(paths)
  await ensureDir(accounts, 0o700)
  for (const name of Object.keys(config.mirrors)) await ensureDir(traceDir(accounts, name), 0o700)
  const current = configSource(paths.config, first, o.log)
  const door = createFrontDoor({
    hostKeyFile: hostKey,
    limits: serve.limits,
    log: o.log.child({ part: 'ssh' }),
    keyFor: async user => {
      const c = await current()
      return Object.hasOwn(c.mirrors, user) ? c.mirrors[user]!.key : undefined
    },
    planExec: async (user, command) => {
      const c = await current()
      if (!Object.hasOwn(c.mirrors, user)) return { allow: false, reason: `mirror '${user.slice(0, 64)}' is no longer registered here` }
      await ensureDir(join(accounts, user), 0o700)
      await ensureDir(traceDir(accounts, user), 0o700)
      return planMirrorExec({ name: user, store: paths.store, traces: accounts, rrsync: c.serve?.rrsync ?? serve.rrsync }, command)
    },
  })
  const port = await door.listen(serve.listen.host, serve.listen.port)
  const listenFile = join(paths.state, 'listen.json')
  try {
    await writeFileAtomic(listenFile, JSON.stringify({ host: serve.listen.host, port, pid: process.pid }) + '\n', 0o644)
    o.log.info({ host: serve.listen.host, port, mirrors: Object.keys(config.mirrors) }, 'mirror serving')
    const why = await Promise.race([o.stop ?? new Promise(() => {}), stopSignal().promise])
    o.log.info({ why }, 'mirror serve stopping')
  } finally {
    await door.close()
    await fs.rm(listenFile, { force: true })
  }
  return { host: serve.listen.host, port }
}

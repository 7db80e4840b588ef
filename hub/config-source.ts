/**
 * hub.yaml for a running hub: loaded once at start (a bad file stops `serve` with exit 2),
 * then re-read whenever its mtime, size or inode changes, so `add-service` takes effect
 * without a restart. A re-read that fails validation is logged and the last good config kept.
 */
import { statSync } from 'node:fs'
import { loadHubConfig, type HubConfig, type HubPaths } from '../lib/config/hub.js'
import type { Logger } from '../lib/log.js'

export interface LoadedHub {
  config: HubConfig
  paths: HubPaths
}

export interface ConfigSource {
  /**
   * The last good config, at once (for synchronous readers such as ingest). A change seen by
   * its cheap stat starts a re-read that later calls see.
   */
  get(): LoadedHub
  /** Like `get`, but waits for the re-read when hub.yaml changed (what auth uses). */
  refresh(): Promise<LoadedHub>
}

function signature(file: string): string {
  const st = statSync(file, { throwIfNoEntry: false })
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'missing'
}

/** Loads hub.yaml (throws CONFIG_* if it is missing or invalid) and watches it by stat. */
export async function createConfigSource(file: string, log: Logger): Promise<ConfigSource> {
  let seen = signature(file)
  let current: LoadedHub = await loadHubConfig(file)
  let reloading: Promise<void> | undefined

  const reload = (sig: string): Promise<void> => {
    reloading ??= loadHubConfig(file)
      .then(
        loaded => {
          current = loaded
          log.info({ file, services: Object.keys(loaded.config.services).length, mirrors: Object.keys(loaded.config.mirrors).length }, 'hub.yaml reloaded')
        },
        err => log.error({ file, err: (err as Error).message }, 'hub.yaml changed but is not valid: keeping the last good config'),
      )
      .finally(() => {
        seen = sig
        reloading = undefined
      })
    return reloading
  }

  const check = (): Promise<void> | undefined => {
    const sig = signature(file)
    if (sig === seen) return reloading
    return reload(sig)
  }

  return {
    get() {
      void check()
      return current
    },
    async refresh() {
      await check()
      return current
    },
  }
}

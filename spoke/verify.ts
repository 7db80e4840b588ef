/**
 * `roost spoke verify --restore-test`: the restore drill on this spoke's newest generation,
 * read from the hub (default) or from the copies this spoke keeps, restored into a scratch
 * folder under the spoke's state and compared with what its chain's archives describe.
 */
import type { Logger } from '../lib/log.js'
import { loadSpokeConfig } from '../lib/config/spoke.js'
import { HubReader } from '../lib/stores/hub.js'
import { SpokeLocalReader } from '../lib/stores/spoke-local.js'
import type { StoreReader } from '../lib/stores/store-reader.js'
import { drillFailed, restoreTest, type RestoreTestReport } from '../lib/restore/restore-test.js'

export interface SpokeVerifyOptions {
  configFile: string
  /** Where to restore from: the hub over SSH, or this spoke's kept copies. */
  from: 'hub' | 'local'
  /** Opens an encrypted service's archives; without it their ciphertext is only hash-checked. */
  identity?: string
  log: Logger
}

/**
 * Runs the drill. Returns the report when the restored tree matches; throws VERIFY_FAILED
 * (exit 3) naming the first differences, or what the restore threw (HASH_MISMATCH, CHAIN_BROKEN, …).
 */
export async function spokeRestoreTest(o: SpokeVerifyOptions): Promise<RestoreTestReport> {
  const { config, paths } = await loadSpokeConfig(o.configFile)
  const reader: StoreReader = o.from === 'hub' ? await HubReader.open(config, paths) : await SpokeLocalReader.open(config, paths)
  try {
    const r = await restoreTest({ reader, service: config.service, scratchParent: paths.state, ...(o.identity ? { identity: o.identity } : {}), log: o.log })
    if (!r.ok) throw drillFailed(r)
    return r
  } finally {
    await reader.close?.()
  }
}

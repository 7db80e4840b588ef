/**
 * Reporting upstream: after every sync (`mirror sync`, or each one `mirror watch` runs) a mirror
 * writes its TRACE.json — its own entry and those of the mirrors it feeds (read from their
 * trace areas under <root>/accounts/) — and pushes it into its account's trace area upstream.
 * A failed report is logged, never fatal: the data is what matters.
 */
import { join } from 'node:path'
import type { Logger } from '../lib/log.js'
import type { MirrorConfig, MirrorPaths } from '../lib/config/mirror.js'
import { composeTrace, TRACE_FILE, type Trace, type TraceEntry } from '../lib/formats/trace.js'
import { traceDir } from '../lib/ssh/mirror-account.js'
import { readTraceArea } from '../lib/stores/trace-area.js'
import type { SshTarget } from '../lib/ssh-client.js'
import { pushArgs, runRsync } from '../lib/rsync.js'
import { ensureDir, writeFileAtomic } from '../lib/fsx/atomic.js'

/** Where a mirror that serves keeps its downstream mirrors' trace areas. */
export function accountsDir(paths: MirrorPaths): string {
  return join(paths.root, 'accounts')
}

/** The downstream mirrors' traces (bad ones are logged and left out). */
async function downstreamTraces(config: MirrorConfig, paths: MirrorPaths, log: Logger): Promise<Trace[]> {
  const out: Trace[] = []
  for (const name of Object.keys(config.mirrors).sort()) {
    const r = await readTraceArea(traceDir(accountsDir(paths), name), name)
    if (r?.error) log.warn({ mirror: name, err: r.error }, "a downstream mirror's trace is unusable")
    if (r?.entries.length) out.push({ format: 'roost-trace/1', entries: r.entries })
  }
  return out
}

/** Writes state/trace/TRACE.json and pushes it upstream. Returns whether the push worked. */
export async function reportTrace(config: MirrorConfig, paths: MirrorPaths, target: SshTarget, own: Omit<TraceEntry, 'path'>, log: Logger): Promise<boolean> {
  const dir = join(paths.state, 'trace')
  try {
    const trace = composeTrace(config.name, own, await downstreamTraces(config, paths, log))
    await ensureDir(dir)
    const file = join(dir, TRACE_FILE)
    await writeFileAtomic(file, JSON.stringify(trace, null, 1) + '\n', 0o644)
    await runRsync(pushArgs(target, [file], '/', { compress: false, ioTimeout: 60 }), 'reporting this mirror to its upstream')
    log.debug({ serial: own.serial, entries: trace.entries.length }, 'trace reported upstream')
    return true
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not report this mirror upstream (its trace); the sync itself is not affected')
    return false
  }
}

/**
 * The hub's folders on disk: the shared layout and each service's three places —
 * `accounts/<svc>/incoming` (its only writable place), `store/<svc>` (read-only to it),
 * `rejected/<svc>` (hub-internal). Creating is idempotent and tightens modes.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { HubPaths } from '../lib/config/hub.js'
import { ensureDir } from '../lib/fsx/atomic.js'
import { assertName } from '../lib/formats/names.js'
import { traceDir } from '../lib/ssh/mirror-account.js'

/** Makes accounts/, store/, rejected/, staging/ and state/ under the hub root. */
export async function ensureHubLayout(paths: HubPaths): Promise<void> {
  await ensureDir(paths.root, 0o700)
  await ensureDir(paths.accounts, 0o700)
  await ensureDir(paths.store, 0o755)
  await ensureDir(paths.rejected, 0o700)
  await ensureDir(paths.staging, 0o700)
  await ensureDir(paths.state, 0o700)
}

/** The folder a service uploads into (its rrsync root for writing). */
export function incomingDir(paths: HubPaths, service: string): string {
  return join(paths.accounts, assertName(service, 'service name'), 'incoming')
}

/** Makes a service's incoming (0700), store folder (0755) and rejected folder (0700). */
export async function ensureServiceLayout(paths: HubPaths, service: string): Promise<void> {
  assertName(service, 'service name')
  await ensureHubLayout(paths)
  await ensureDir(join(paths.accounts, service), 0o700)
  await ensureDir(join(paths.accounts, service, 'incoming'), 0o700)
  await ensureDir(join(paths.store, service), 0o755)
  await ensureDir(join(paths.rejected, service), 0o700)
}

/** True when a service's incoming and store folders both exist (cheap: two stats). */
export async function hasServiceLayout(paths: HubPaths, service: string): Promise<boolean> {
  const isDir = (p: string) => fs.stat(p).then(s => s.isDirectory(), () => false)
  return (await isDir(incomingDir(paths, service))) && (await isDir(join(paths.store, service)))
}

/** Makes a mirror's write-only trace area, `accounts/<mirror>/trace` (0700). */
export async function ensureMirrorLayout(paths: HubPaths, mirror: string): Promise<void> {
  assertName(mirror, 'mirror name')
  await ensureHubLayout(paths)
  await ensureDir(join(paths.accounts, mirror), 0o700)
  await ensureDir(traceDir(paths.accounts, mirror), 0o700)
}

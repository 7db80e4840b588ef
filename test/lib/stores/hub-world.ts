/**
 * e2e plumbing for the mirror and restore tests: a real hub made and started with the built
 * binary, and generations delivered to it the way a spoke's upload ends — data.tar, then
 * manifest.json last, in accounts/<svc>/incoming/<generation>/ — then ingested by the hub.
 * Independent of the spoke role, so these tests exercise the hub ↔ mirror ↔ restore path.
 */
import { promises as fs } from 'node:fs'
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { roost, startHub, waitFor, type RunningHub } from '../../helpers/roost.js'
import { signManifest, renderManifest, type UnsignedManifest } from '../../../lib/formats/manifest.js'
import { createArgs, countListingLine, emptyCounts } from '../../../lib/tar.js'
import { hashFile } from '../../../lib/fsx/hash.js'
import type { PrivateKey } from '../../../lib/sign.js'
import { makeKey } from './make-store.js'

export interface HubWorld {
  dir: string
  hubRoot: string
  hub: RunningHub
  port: number
  /** Path of the hub's index public key. */
  indexPub: string
  hostPub: string
  keys: Record<string, PrivateKey & { path: string }>
}

function must(r: { exitCode: number; stdout: string; stderr: string }, what: string): string {
  if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** Makes a hub root, registers the services (keys made here), starts the hub. */
export async function startHubWorld(dir: string, services: string[]): Promise<HubWorld> {
  const hubRoot = join(dir, 'hub')
  must(await roost(['hub', 'init', hubRoot, '--port', '0']), 'hub init')
  const keys: HubWorld['keys'] = {}
  for (const svc of services) {
    keys[svc] = await makeKey(dir, `spoke-${svc}`)
    must(await roost(['hub', 'add-service', svc, '--key', keys[svc].public.line, '--config', join(hubRoot, 'hub.yaml')]), 'hub add-service')
  }
  const hub = await startHub(hubRoot)
  return { dir, hubRoot, hub, port: hub.port, indexPub: join(hubRoot, 'keys', 'index_ed25519.pub'), hostPub: join(hubRoot, 'keys', 'host_ed25519.pub'), keys }
}

/** Registers a mirror key on the hub (`roost hub add-mirror`). */
export async function addMirror(w: HubWorld, name: string, keyLine: string): Promise<void> {
  must(await roost(['hub', 'add-mirror', name, '--key', keyLine, '--config', join(w.hubRoot, 'hub.yaml')]), 'hub add-mirror')
}

/** Delivers a full generation of `source` for `service` and waits until the hub's TREE.json lists it. */
export async function deliver(w: HubWorld, service: string, generation: string, source: string): Promise<void> {
  const incoming = join(w.hubRoot, 'accounts', service, 'incoming', generation)
  await fs.mkdir(incoming, { recursive: true })
  const tar = join(incoming, 'data.tar')
  const out = await fs.open(tar, 'w')
  const r = spawnSync(createArgs({ sources: [source] })[0]!, createArgs({ sources: [source] }).slice(1), { stdio: ['ignore', out.fd, 'pipe'] })
  await out.close()
  if (r.status !== 0) throw new Error(`tar exited ${r.status}: ${r.stderr}`)
  const counts = emptyCounts()
  const listing = execFileSync('tar', ['--list', '--verbose', '--quoting-style=escape', '--file', tar], { maxBuffer: 1 << 26 }).toString()
  for (const line of listing.split('\n')) countListingLine(counts, line)
  const digest = await hashFile(tar)
  counts.bytes = digest.bytes
  const unsigned: UnsignedManifest = {
    format: 'roost/1', service, generation, kind: 'full', base: null, parent: null,
    created: new Date().toISOString(), host: 'e2e', roost: '0.1.0', sources: [source], excludes: [], hooks: [],
    files: [{ name: 'data.tar', ...digest }], compression: 'none', encryption: null, counts,
  }
  // the manifest arrives last and whole, as rsync's --delay-updates makes it appear
  await fs.writeFile(join(incoming, '.manifest.json.tmp'), renderManifest(signManifest(unsigned, w.keys[service]!)))
  await fs.rename(join(incoming, '.manifest.json.tmp'), join(incoming, 'manifest.json'))
  await waitFor(async () => {
    const rejected = await fs.readdir(join(w.hubRoot, 'rejected', service)).catch(() => [] as string[])
    const mine = rejected.find(n => n.startsWith(generation))
    if (mine) throw new Error(`the hub rejected ${service}/${generation}: ${await fs.readFile(join(w.hubRoot, 'rejected', service, mine, 'reason.json'), 'utf8').catch(() => '?')}`)
    const tree = await fs.readFile(join(w.hubRoot, 'store', 'TREE.json'), 'utf8').catch(() => '')
    return tree.includes(`"${generation}"`)
  }, 60_000, `the hub to ingest ${service}/${generation}`)
}

/** Runs roost and returns the result (never throws); a shorthand for the tests. */
export { roost, must }

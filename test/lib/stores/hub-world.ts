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
import { generationKind } from '../../../lib/formats/names.js'
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

/** For a diff or incr: what it builds on, and GNU tar's snapshot (a copy of that generation's). */
export interface DeliverOptions {
  base?: string | null
  parent?: string | null
  snapshot?: string
}

/**
 * Delivers a generation of `source` for `service` (its kind from the id; a full unless
 * options say what it builds on) and waits until the hub's TREE.json lists it.
 */
export async function deliver(w: HubWorld, service: string, generation: string, source: string, o: DeliverOptions = {}): Promise<void> {
  const incoming = join(w.hubRoot, 'accounts', service, 'incoming', generation)
  await fs.mkdir(incoming, { recursive: true })
  const tar = join(incoming, 'data.tar')
  const out = await fs.open(tar, 'w')
  const argv = createArgs({ sources: [source], ...(o.snapshot ? { snapshot: o.snapshot } : {}) })
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', out.fd, 'pipe'] })
  await out.close()
  if (r.status !== 0) throw new Error(`tar exited ${r.status}: ${r.stderr}`)
  const counts = emptyCounts()
  const listing = execFileSync('tar', ['--list', '--verbose', '--quoting-style=escape', '--file', tar], { maxBuffer: 1 << 26 }).toString()
  for (const line of listing.split('\n')) countListingLine(counts, line)
  const digest = await hashFile(tar)
  counts.bytes = digest.bytes
  const unsigned: UnsignedManifest = {
    format: 'roost/1', service, generation, kind: generationKind(generation), base: o.base ?? null, parent: o.parent ?? null,
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

/**
 * Delivers a chain to the hub the way a spoke makes one: each id's kind decides it (a diff
 * builds on the last full, an incr on the generation before), with GNU tar's snapshots kept
 * in `work`. `change` runs before every generation but the first.
 */
export async function deliverChain(w: HubWorld, service: string, source: string, ids: readonly string[], work: string, change: (i: number) => Promise<void>): Promise<void> {
  let lastFull: string | undefined
  let last: string | undefined
  for (const [i, g] of ids.entries()) {
    if (i > 0) await change(i)
    const kind = generationKind(g)
    const from = kind === 'full' ? undefined : kind === 'diff' ? lastFull : last
    const snapshot = join(work, `${g}.snar`)
    if (from) await fs.copyFile(join(work, `${from}.snar`), snapshot)
    await deliver(w, service, g, source, { snapshot, base: kind === 'diff' ? from! : null, parent: kind === 'incr' ? from! : null })
    if (kind === 'full') lastFull = g
    last = g
    // file times come from the kernel's coarse clock, which may lag tar's precise one by a
    // few ms: a change made right after a dump could be dated before it and missed
    await new Promise(r => setTimeout(r, 50))
  }
}

/** Runs roost and returns the result (never throws); a shorthand for the tests. */
export { roost, must }

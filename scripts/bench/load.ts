/**
 * Load: many spokes uploading at once to one hub on loopback (issue 7). Each spoke is a real
 * `roost spoke run` with its own service, key and small source; one more spoke, `slow`, uploads
 * a larger file under --bwlimit and is started first: the others must be served while it
 * crawls. Prints: spokes, wall time of the burst, each run's exit, generations accepted (from
 * TREE.json), the hub's peak RSS (VmHWM of the hub process) and whether the slow one was still
 * uploading when the burst finished. Asserts nothing; not part of the test suite.
 *
 *   node dist/scripts/bench/load.js [--spokes 50] [--kib 64] [--slow-mib 24] [--bwlimit 2M] [--dir DIR]
 */
import { execa } from 'execa'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { addAccount } from '../../hub/add-account.js'
import { arg, serveHub, stopHubs, timed, writeResults } from './common.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const ROOST = join(REPO, 'dist', 'roost.js')
const say = (line: string): void => void process.stdout.write(line + '\n')

function roost(args: string[]) {
  return execa(process.execPath, [ROOST, ...args], { env: { ROOST_LOG_LEVEL: 'warn' }, reject: false, timeout: 600_000 })
}

async function must(args: string[]): Promise<void> {
  const r = await roost(args)
  if (r.exitCode !== 0) throw new Error(`roost ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`)
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or 0. */
async function procKib(pid: number, field: string): Promise<number> {
  const text = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0)
}

const spokes = Number(arg('--spokes', '50'))
const kib = Number(arg('--kib', '64'))
const slowMib = Number(arg('--slow-mib', '24'))
const bwlimit = arg('--bwlimit', '2M')
const base = arg('--dir', '') || (await fs.mkdtemp(join(tmpdir(), 'roost-load-')))
const hubRoot = join(base, 'hub')
await must(['hub', 'init', hubRoot, '--port', '0'])
const config = join(hubRoot, 'hub.yaml')
const names = [...Array.from({ length: spokes }, (_, i) => `s${String(i + 1).padStart(3, '0')}`), 'slow']

const world = await serveHub(ROOST, hubRoot, 'load')
const pid = world.hub.pid!
// each spoke: its source, `roost spoke init`, its key registered (hub.yaml edited one at a time; the running hub reloads it)
const setup = await timed(async () => {
  await pool(names, 8, async name => {
    const src = join(base, 'src', name)
    await fs.mkdir(src, { recursive: true })
    await fs.writeFile(join(src, 'data.bin'), randomBytes(name === 'slow' ? slowMib * 1024 * 1024 : kib * 1024))
    await fs.writeFile(join(src, 'notes.txt'), `${name}\n`.repeat(200))
    await must(['spoke', 'init', '--service', name, '--hub', `127.0.0.1:${world.port}`, '--hub-key', join(hubRoot, 'keys', 'host_ed25519.pub'), '--source', src, '--dir', join(base, 'spokes', name)])
  })
  for (const name of names) await addAccount({ configFile: config, kind: 'service', name, key: (await fs.readFile(join(base, 'spokes', name, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim() })
})
say(`setup: ${names.length} spokes in ${setup.ms} ms`)
await new Promise(r => setTimeout(r, 2000)) // the hub reloads hub.yaml
let rssMax = 0
const sampler = setInterval(() => void procKib(pid, 'VmRSS').then(k => (rssMax = Math.max(rssMax, k))), 100)
const run = (name: string, extra: string[] = []) => roost(['spoke', 'run', '--config', join(base, 'spokes', name, 'spoke.yaml'), ...extra])

try {
  const rssIdle = await procKib(pid, 'VmRSS')
  const slow = timed(() => run('slow', ['--bwlimit', bwlimit]))
  let slowDone = false
  void slow.then(() => (slowDone = true))
  // wait until the slow upload is on the wire
  const incoming = join(hubRoot, 'accounts', 'slow', 'incoming')
  for (let i = 0; i < 600; i++) {
    const gens = await fs.readdir(incoming).catch(() => [] as string[])
    if (gens.length) break
    await new Promise(r => setTimeout(r, 50))
  }
  const burst = await timed(() => Promise.all(names.filter(n => n !== 'slow').map(async n => ({ name: n, ...(await timed(() => run(n))) }))))
  const slowBusyAfterBurst = !slowDone
  const slowRun = await slow
  const failed = burst.value.filter(r => r.value.exitCode !== 0)
  for (const f of failed.slice(0, 5)) say(`${f.name} exited ${f.value.exitCode}: ${String(f.value.stderr).trim().split('\n').slice(-2).join(' | ')}`)
  const tree = JSON.parse(await fs.readFile(join(hubRoot, 'store', 'TREE.json'), 'utf8')) as { services: Record<string, { generations: Record<string, unknown> }> }
  const accepted = names.filter(n => Object.keys(tree.services[n]?.generations ?? {}).length === 1).length
  const perRun = burst.value.map(r => r.ms).sort((a, b) => a - b)
  const summary = {
    spokes,
    sourceKiB: kib,
    burstWallMs: burst.ms,
    runMsMedian: perRun[Math.floor(perRun.length / 2)],
    runMsMax: perRun[perRun.length - 1],
    exitedZero: burst.value.length - failed.length,
    accepted: `${accepted}/${names.length}`,
    slow: { mib: slowMib, bwlimit, ms: slowRun.ms, exit: slowRun.value.exitCode, stillUploadingWhenBurstEnded: slowBusyAfterBurst },
    hubRssIdleMiB: Math.round(rssIdle / 1024),
    hubRssSampledMaxMiB: Math.round(rssMax / 1024),
    hubPeakRssMiB: Math.round((await procKib(pid, 'VmHWM')) / 1024),
  }
  say(`spokes ${spokes}: burst ${burst.ms} ms (a run: median ${summary.runMsMedian} ms, max ${summary.runMsMax} ms); exited 0: ${summary.exitedZero}; accepted ${summary.accepted}`)
  say(`slow (${slowMib} MiB at ${bwlimit}/s): ${slowRun.ms} ms, exit ${slowRun.value.exitCode}, still uploading when the burst ended: ${slowBusyAfterBurst}`)
  say(`hub RSS: idle ${summary.hubRssIdleMiB} MiB, sampled max ${summary.hubRssSampledMaxMiB} MiB, peak (VmHWM) ${summary.hubPeakRssMiB} MiB`)
  await writeResults(base, summary, say)
} finally {
  clearInterval(sampler)
  await stopHubs([world])
  if (!arg('--dir', '')) await fs.rm(base, { recursive: true, force: true })
}

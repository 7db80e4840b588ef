/**
 * Many spokes uploading at once to one hub on loopback (issue 7), shared by the load benchmark
 * (scripts/bench/load.ts, 50 spokes) and the load test (test/faults/load.test.ts, a few). Each
 * spoke is a real `roost spoke run` with its own service, key and small source; one more,
 * `slow`, uploads a larger file under --bwlimit and is started first: the others must be
 * served while it crawls. Measures; asserts nothing.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawnStream, tailCollector, type ResultPromise } from '../lib/proc/run.js'
import { addAccount } from '../hub/add-account.js'

export interface LoadOptions {
  /** The built CLI (dist/roost.js). */
  roost: string
  /** A fresh folder for the hub, the spokes and their sources. */
  base: string
  spokes: number
  /** Size of each spoke's random file. */
  kib: number
  /** Size of the slow spoke's random file and its upload limit (rsync --bwlimit, e.g. 2M). */
  slowMib: number
  bwlimit: string
  /** hub.yaml `ingest.parallel` (the hub's default when absent). */
  parallel?: number
  /** Told of each stage. */
  say?: (line: string) => void
}

export interface RunOutcome {
  name: string
  ms: number
  exitCode: number
  stderr: string
}

export interface LoadResult {
  spokes: number
  setupMs: number
  burstWallMs: number
  runs: RunOutcome[]
  slow: RunOutcome & { stillUploadingWhenBurstEnded: boolean }
  /** Generations the hub's TREE.json lists, per service. */
  stored: Record<string, string[]>
  hubRssIdleKiB: number
  hubRssSampledMaxKiB: number
  /** VmHWM of the hub process at the end. */
  hubPeakRssKiB: number
  /** The hub's last log lines (warnings and errors). */
  hubLog: string
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

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

/** Makes the hub and the spokes, then runs every spoke at once (the slow one first). */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const say = o.say ?? (() => {})
  // spawnStream gives each child a minimal environment (lib/proc/run.ts): no NODE_OPTIONS from a test runner
  const cli = (args: string[]): ResultPromise => spawnStream([process.execPath, o.roost, ...args], { env: { ROOST_LOG_LEVEL: 'warn' }, stdin: 'ignore', stdout: 'ignore' })
  const outcome = async (name: string, args: string[]): Promise<RunOutcome> => {
    const t0 = performance.now()
    const child = cli(args)
    const err = tailCollector(child.stderr)
    const r = await child
    return { name, ms: Math.round(performance.now() - t0), exitCode: r.exitCode ?? -1, stderr: err() }
  }
  const must = async (args: string[]): Promise<void> => {
    const r = await outcome('setup', args)
    if (r.exitCode !== 0) throw new Error(`roost ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`)
  }

  const hubRoot = join(o.base, 'hub')
  const config = join(hubRoot, 'hub.yaml')
  const names = [...Array.from({ length: o.spokes }, (_, i) => `s${String(i + 1).padStart(3, '0')}`), 'slow']
  const t0 = performance.now()
  await must(['hub', 'init', hubRoot, '--port', '0'])
  if (o.parallel !== undefined) await fs.appendFile(config, `ingest: { parallel: ${o.parallel} }\n`)
  // each spoke: its source, `roost spoke init`, its key registered
  await pool(names, 4, async name => {
    const src = join(o.base, 'src', name)
    await fs.mkdir(src, { recursive: true })
    await fs.writeFile(join(src, 'data.bin'), randomBytes(name === 'slow' ? o.slowMib * 1024 * 1024 : o.kib * 1024))
    await fs.writeFile(join(src, 'notes.txt'), `${name}\n`.repeat(200))
    await must(['spoke', 'init', '--service', name, '--hub', '127.0.0.1:1', '--hub-key', join(hubRoot, 'keys', 'host_ed25519.pub'), '--source', src, '--dir', join(o.base, 'spokes', name)])
  })
  for (const name of names) await addAccount({ configFile: config, kind: 'service', name, key: (await fs.readFile(join(o.base, 'spokes', name, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim() })

  const hub = spawnStream([process.execPath, o.roost, 'hub', 'serve', '--config', config], { env: { ROOST_LOG_LEVEL: 'warn' }, stdin: 'ignore', stdout: 'ignore' })
  const hubLog = tailCollector(hub.stderr, 8000)
  try {
    let port = 0
    for (let i = 0; i < 300 && !port; i++) {
      const text = await fs.readFile(join(hubRoot, 'state', 'listen.json'), 'utf8').catch(() => '')
      if (text) port = (JSON.parse(text) as { port: number }).port
      else await sleep(100)
    }
    if (!port) throw new Error(`the hub did not start:\n${hubLog()}`)
    // the spokes were made before the hub had a port: point them at it
    for (const name of names) {
      const file = join(o.base, 'spokes', name, 'spoke.yaml')
      await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/^(\s*port:\s*)1\s*$/m, `$1${port}`))
    }
    const setupMs = Math.round(performance.now() - t0)
    say(`setup: ${names.length} spokes in ${setupMs} ms`)
    const pid = hub.pid!
    let rssMax = 0
    const sampler = setInterval(() => void procKib(pid, 'VmRSS').then(k => (rssMax = Math.max(rssMax, k))), 100)
    try {
      const rssIdle = await procKib(pid, 'VmRSS')
      const spokeRun = (name: string, extra: string[] = []) => outcome(name, ['spoke', 'run', '--config', join(o.base, 'spokes', name, 'spoke.yaml'), ...extra])
      let slowDone = false
      const slow = spokeRun('slow', ['--bwlimit', o.bwlimit]).finally(() => (slowDone = true))
      // wait until the slow upload is on the wire
      const incoming = join(hubRoot, 'accounts', 'slow', 'incoming')
      for (let i = 0; i < 1200 && !slowDone; i++) {
        if ((await fs.readdir(incoming).catch(() => [] as string[])).length) break
        await sleep(50)
      }
      const b0 = performance.now()
      const runs = await Promise.all(names.filter(n => n !== 'slow').map(n => spokeRun(n)))
      const burstWallMs = Math.round(performance.now() - b0)
      const stillUploadingWhenBurstEnded = !slowDone
      const slowRun = await slow
      const tree = JSON.parse(await fs.readFile(join(hubRoot, 'store', 'TREE.json'), 'utf8')) as { services: Record<string, { generations: Record<string, unknown> }> }
      const stored = Object.fromEntries(names.map(n => [n, Object.keys(tree.services[n]?.generations ?? {})]))
      return {
        spokes: o.spokes,
        setupMs,
        burstWallMs,
        runs,
        slow: { ...slowRun, stillUploadingWhenBurstEnded },
        stored,
        hubRssIdleKiB: rssIdle,
        hubRssSampledMaxKiB: rssMax,
        hubPeakRssKiB: await procKib(pid, 'VmHWM'),
        hubLog: hubLog(),
      }
    } finally {
      clearInterval(sampler)
    }
  } finally {
    hub.kill('SIGTERM')
    await hub.catch(() => {})
  }
}

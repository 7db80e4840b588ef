/** What every benchmark script shares: its command-line options, timing, a hub to upload to. */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { spawnStream, tailCollector, type ResultPromise } from '../../lib/proc/run.js'

/** The value after `--name` on the command line, or `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt
}

/** Runs `fn` and says how long it took, in whole milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now()
  const value = await fn()
  return { ms: Math.round(performance.now() - t0), value }
}

/** Starts `roost hub serve` for an initialised hub root and waits for the port it got. */
export async function serveHub(roost: string, hubRoot: string, name: string): Promise<{ hub: ResultPromise; hubLog: () => string; port: number }> {
  const hub = spawnStream([process.execPath, roost, 'hub', 'serve', '--config', join(hubRoot, 'hub.yaml')], { env: { ROOST_LOG_LEVEL: 'warn' }, stdin: 'ignore', stdout: 'ignore' })
  const hubLog = tailCollector(hub.stderr)
  let port = 0
  for (let i = 0; i < 300 && !port; i++) {
    const text = await fs.readFile(join(hubRoot, 'state', 'listen.json'), 'utf8').catch(() => '')
    if (text) port = (JSON.parse(text) as { port: number }).port
    else await new Promise(r => setTimeout(r, 100))
  }
  if (!port) throw new Error(`the ${name} hub did not start:\n${hubLog()}`)
  return { hub, hubLog, port }
}

/** Writes the run's summary to BASE/results.json and prints it as one JSON line last. */
export async function writeResults(base: string, summary: unknown, say: (line: string) => void): Promise<void> {
  await fs.writeFile(join(base, 'results.json'), JSON.stringify(summary, null, 2) + '\n')
  say('')
  say(JSON.stringify(summary))
}

/** Stops the hubs a benchmark started and waits for each to exit. */
export async function stopHubs(worlds: ReadonlyArray<{ hub: ResultPromise }>): Promise<void> {
  for (const w of worlds) {
    w.hub.kill('SIGTERM')
    await w.hub
  }
}

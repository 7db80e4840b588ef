/**
 * Shared test plumbing: run the built `roost` binary as a user would, start a real hub on
 * 127.0.0.1 port 0, and wait for things. Tests call `npm run build` first (npm test does).
 */
import { execa, type Options, type ResultPromise } from 'execa'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const ROOST = join(REPO, 'dist', 'roost.js')

/**
 * How tests start node for the CLI: without NODE_OPTIONS. tap puts its process-info hook
 * there for every child of a test, and that hook triples a CLI run's CPU (≈ 0.5 → 1.5 s):
 * across the suite's hundreds of roost runs, minutes of a 2-core machine. `env` execs node,
 * so signals reach it as before.
 */
export const NODE = ['env', '-u', 'NODE_OPTIONS', process.execPath] as const
/** NODE as the start of a shell command line. */
export const NODE_SH = NODE.join(' ')

/** execa of `roost ARGS…` (through NODE); the options as execa's. */
export function spawnRoost<O extends Options>(args: readonly string[], opts: O): ResultPromise<{} & O> {
  return execa(NODE[0], [...NODE.slice(1), ROOST, ...args], opts)
}

export interface RoostRun {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs `roost ARGS…` to completion; never throws on a non-zero exit. */
export async function roost(args: string[], opts: { env?: Record<string, string>; input?: string; timeout?: number; cwd?: string } = {}): Promise<RoostRun> {
  const r = await spawnRoost(args, {
    reject: false,
    env: { ROOST_LOG_LEVEL: 'warn', ...opts.env },
    input: opts.input,
    timeout: opts.timeout ?? 120_000,
    cwd: opts.cwd,
  })
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
}

/** Polls until `fn` returns a truthy value, or fails after `ms`. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 100))
  }
}

/** Bytes of every file under a folder, hidden and partial files included (to see a transfer land). */
export async function bytesUnder(dir: string): Promise<number> {
  let n = 0
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name)
    if (e.isDirectory()) n += await bytesUnder(p)
    else if (e.isFile()) n += (await fs.stat(p).catch(() => ({ size: 0 }))).size
  }
  return n
}

export interface RunningHub {
  root: string
  config: string
  port: number
  child: ResultPromise
  stop(): Promise<void>
  /** stderr so far (JSON log lines). */
  logs(): string
}

/**
 * Starts `roost hub serve` for an initialised hub root and waits until it listens
 * (it writes state/listen.json with the port it got); `wrap` runs it through a command.
 */
export async function startHub(root: string, o: { wrap?: string[] } = {}): Promise<RunningHub> {
  const config = join(root, 'hub.yaml')
  const listenFile = join(root, 'state', 'listen.json')
  await fs.rm(listenFile, { force: true })
  let logs = ''
  // `wrap`: a command that runs the hub, e.g. ['ip', 'netns', 'exec', NS] (it must exec it, so the kill reaches the hub)
  const argv = [...(o.wrap ?? []), ...NODE, ROOST, 'hub', 'serve', '--config', config]
  const child = execa(argv[0]!, argv.slice(1), {
    reject: false,
    env: { ROOST_LOG_LEVEL: 'debug' },
    stdin: 'ignore',
  })
  child.stderr?.on('data', (d: Buffer) => {
    logs += d.toString()
  })
  child.stdout?.on('data', (d: Buffer) => {
    logs += d.toString()
  })
  let exited = false
  void child.then(() => {
    exited = true
  })
  const port = await waitFor(async () => {
    if (exited) throw new Error(`hub exited early:\n${logs}`)
    const text = await fs.readFile(listenFile, 'utf8').catch(() => undefined)
    return text ? (JSON.parse(text) as { port: number }).port : undefined
  }, 30_000, 'the hub to listen')
  return {
    root,
    config,
    port,
    child,
    logs: () => logs,
    stop: async () => {
      if (!exited) child.kill('SIGTERM')
      await child
    },
  }
}

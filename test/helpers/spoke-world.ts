/**
 * A real hub on 127.0.0.1 and one spoke of it, set up through the built binary (hub init,
 * hub serve, spoke init, hub add-service), with the spoke.yaml's hooks and generation policy
 * as the test wants. For end-to-end tests of hooks: make a generation with `run`, bring it
 * back with `restore`.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import * as jsYaml from 'js-yaml'
import { dumpYaml } from '../../lib/config/load.js'
import { roost, startHub, type RoostRun, type RunningHub } from './roost.js'

export interface HookSpec {
  name: string
  run: string[]
  timeout?: string
  env?: Record<string, string>
}

export interface SpokeWorldOptions {
  service: string
  sources: string[]
  hooks?: { pre?: HookSpec[]; post?: HookSpec[]; restore?: HookSpec[] }
  /** spoke.yaml `generations` (e.g. { fullEvery: '7d', between: 'incr' }). */
  generations?: Record<string, unknown>
  excludes?: string[]
}

export interface SpokeWorld {
  hub: RunningHub
  /** The spoke.yaml (its hooks double as the restore hooks for `restore --hooks`). */
  config: string
  spokeDir: string
  /** `roost spoke run --json` with these extra args; the parsed result and the raw run. */
  run(args?: string[]): Promise<{ r: RoostRun; json: { generation: string; kind: string } & Record<string, unknown> }>
  /** `roost restore SERVICE --from hub --config spoke.yaml --to DIR …args`. */
  restore(to: string, args?: string[]): Promise<RoostRun>
  stop(): Promise<void>
}

export async function startSpokeWorld(dir: string, o: SpokeWorldOptions): Promise<SpokeWorld> {
  const hubRoot = join(dir, 'hub')
  const must = (r: RoostRun, what: string): RoostRun => {
    if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}: ${r.stderr.slice(-2000)}`)
    return r
  }
  must(await roost(['hub', 'init', hubRoot, '--port', '0']), 'hub init')
  const hub = await startHub(hubRoot)
  try {
    const spokeDir = join(dir, 'spoke')
    const config = join(spokeDir, 'spoke.yaml')
    const sources = o.sources.flatMap(s => ['--source', s])
    must(await roost(['spoke', 'init', '--service', o.service, '--hub', `127.0.0.1:${hub.port}`, ...sources, '--dir', spokeDir]), 'spoke init')
    const keyLine = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
    must(await roost(['hub', 'add-service', o.service, '--key', keyLine, '--config', join(hubRoot, 'hub.yaml')]), 'hub add-service')
    const yaml = jsYaml.load(await fs.readFile(config, 'utf8')) as Record<string, unknown>
    if (o.hooks) yaml.hooks = o.hooks
    if (o.generations) yaml.generations = o.generations
    if (o.excludes) yaml.excludes = o.excludes
    await fs.writeFile(config, dumpYaml(yaml))
    return {
      hub,
      config,
      spokeDir,
      async run(args = []) {
        const r = await roost(['spoke', 'run', '--config', config, '--json', ...args], { timeout: 300_000 })
        let json = {} as { generation: string; kind: string } & Record<string, unknown>
        try {
          json = JSON.parse(r.stdout) as typeof json
        } catch {
          // a failed run prints no JSON; the caller checks r.exitCode
        }
        return { r, json }
      },
      restore(to, args = []) {
        return roost(['restore', o.service, '--from', 'hub', '--config', config, '--to', to, ...args], { timeout: 300_000 })
      },
      stop: () => hub.stop(),
    }
  } catch (err) {
    await hub.stop()
    throw err
  }
}

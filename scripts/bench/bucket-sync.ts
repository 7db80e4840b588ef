/**
 * A mirror whose store is a bucket, next to the raw tools in the same run, on loopback:
 *  (a) `roost mirror sync` into a local rclone remote (index over SSH, rsync each generation
 *      into staging and hash it, rclone upload, check by hash, publish) vs a plain
 *      `rclone copy` of the hub's store into another folder of the same remote (no checks),
 *      and vs `roost mirror sync` into a store folder (the rsync + hash part alone);
 *  (b) a second sync with nothing new;
 *  (c) `roost mirror verify` of the bucket (read back and rehash) vs `rclone hashsum sha256
 *      --download` of the same tree.
 * Prints figures; asserts nothing. Not part of the test suite.
 *
 *   node dist/scripts/bench/bucket-sync.js [--generations 4] [--size-mib 64] [--dir DIR]
 */
import { execa } from 'execa'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { formatBytes } from '../../lib/config/units.js'
import { arg, serveHub, stopHubs, timed, writeResults } from './common.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const ROOST = join(REPO, 'dist', 'roost.js')

async function roost(args: string[]): Promise<string> {
  const r = await execa(process.execPath, [ROOST, ...args], { env: { ROOST_LOG_LEVEL: 'warn' }, reject: false })
  if (r.exitCode !== 0) throw new Error(`roost ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`)
  return String(r.stdout)
}

const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const rate = (bytes: number, ms: number): string => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`

/** Writes `mib` MiB of incompressible data to `file`, 1 MiB at a time. */
async function randomFile(file: string, mib: number): Promise<void> {
  const h = await fs.open(file, 'w')
  for (let i = 0; i < mib; i++) await h.write(randomBytes(1024 * 1024))
  await h.close()
}

async function storeBytes(dir: string): Promise<number> {
  let n = 0
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += await storeBytes(join(dir, e.name))
    else if (e.isFile()) n += (await fs.stat(join(dir, e.name))).size
  }
  return n
}

/** A mirror registered on the hub; with `bucket`, its store is that rclone remote. */
async function mirror(p: (...s: string[]) => string, port: number, name: string, bucket?: string): Promise<string> {
  const out = await roost(['mirror', 'init', p(name), '--upstream', `127.0.0.1:${port}`, '--name', name, '--index-key', p('hub', 'keys', 'index_ed25519.pub')])
  await roost(['hub', 'add-mirror', name, '--key', /--key '([^']+)'/.exec(out)![1]!, '--config', p('hub', 'hub.yaml')])
  const config = p(name, 'mirror.yaml')
  if (bucket) await fs.appendFile(config, `bucket:\n  remote: ${bucket}\n  rcloneConfig: ${p('rclone.conf')}\n`)
  return config
}

async function main(): Promise<void> {
  const gens = Number(arg('--generations', '4'))
  const mib = Number(arg('--size-mib', '64'))
  const base = resolve(arg('--dir', await fs.mkdtemp(join(tmpdir(), 'roost-bench-bucket-'))))
  await fs.mkdir(base, { recursive: true })
  const p = (...s: string[]): string => join(base, ...s)
  const say = (s: string): void => void process.stdout.write(s + '\n')
  say(`roost bucket benchmark — ${gens} generations of ${mib} MiB (incompressible), work folder ${base}`)

  await roost(['hub', 'init', p('hub'), '--port', '0'])
  const world = await serveHub(ROOST, p('hub'), 'bench')
  try {
    await fs.mkdir(p('data'), { recursive: true })
    await roost(['spoke', 'init', '--service', 'bench', '--hub', `127.0.0.1:${world.port}`, '--source', p('data'), '--dir', p('spoke')])
    await roost(['hub', 'add-service', 'bench', '--key', (await fs.readFile(p('spoke', 'keys', 'spoke_ed25519.pub'), 'utf8')).trim(), '--config', p('hub', 'hub.yaml')])
    for (let i = 0; i < gens; i++) {
      await randomFile(p('data', 'data.bin'), mib)
      await roost(['spoke', 'run', '--kind', 'full', '--config', p('spoke', 'spoke.yaml')])
    }
    const bytes = await storeBytes(p('hub', 'store'))
    await fs.writeFile(p('rclone.conf'), '[loc]\ntype = local\n')
    const bucketConfig = await mirror(p, world.port, 'mbucket', `loc:${p('bucket')}`)
    const folderConfig = await mirror(p, world.port, 'mfolder')

    const plain = await timed(() => execa('rclone', ['copy', p('hub', 'store'), `loc:${p('plain')}`, '--config', p('rclone.conf')]))
    const folder = await timed(() => roost(['mirror', 'sync', '--config', folderConfig]))
    const sync = await timed(() => roost(['mirror', 'sync', '--config', bucketConfig]))
    const again = await timed(() => roost(['mirror', 'sync', '--config', bucketConfig]))
    const verify = await timed(() => roost(['mirror', 'verify', '--config', bucketConfig]))
    const rawHash = await timed(() => execa('rclone', ['hashsum', 'sha256', '--download', `loc:${p('bucket')}`, '--config', p('rclone.conf')]))

    say('')
    say(`(a) first sync of the tree (${formatBytes(bytes)} in the hub's store)`)
    say(`    rclone copy store → remote (no checks)       ${fmtS(plain.ms)}  (${rate(bytes, plain.ms)})`)
    say(`    roost mirror sync → store folder             ${fmtS(folder.ms)}  (${rate(bytes, folder.ms)})`)
    say(`    roost mirror sync → bucket (local remote)    ${fmtS(sync.ms)}  (${rate(bytes, sync.ms)})  ratio ${(sync.ms / plain.ms).toFixed(2)}x rclone copy`)
    say(`(b) second sync, nothing new                    ${fmtS(again.ms)}`)
    say(`(c) rclone hashsum sha256 --download            ${fmtS(rawHash.ms)}  (${rate(bytes, rawHash.ms)})`)
    say(`    roost mirror verify (bucket)                 ${fmtS(verify.ms)}  ratio ${(verify.ms / rawHash.ms).toFixed(2)}x`)
    await writeResults(base, { generations: gens, mib, bytes, ms: { rcloneCopy: plain.ms, folderSync: folder.ms, bucketSync: sync.ms, nothingNew: again.ms, rcloneHashsum: rawHash.ms, bucketVerify: verify.ms } }, say)
  } finally {
    await stopHubs([world])
  }
}

main().catch(err => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})

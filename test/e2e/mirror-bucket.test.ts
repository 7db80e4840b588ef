/**
 * Mirrors whose store is a bucket, with real rclone, against one real hub on 127.0.0.1: one
 * mirror writes to an S3-protocol server on loopback (s3rver), one to a local rclone remote.
 * Sync publishes data first and the signed index last, restore reads bit-exact from the
 * bucket, verify reads every file back and finds a damaged one (exit 3), the next sync
 * repairs it, a pruned generation leaves the bucket's store only after the publish, for the
 * bucket's attic (restorable from it bit-exact, removed by the first sync past `keep`), a
 * forged index (upstream or in the bucket) is refused with exit 3, the end of the allowed hours
 * stops a transfer, and a sync killed half-way through an upload leaves the published tree
 * intact and is completed by the next one.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import * as yaml from 'js-yaml'
import { ROOST, waitFor, spawnRoost } from '../helpers/roost.js'
import { startS3rver, type RunningS3 } from '../helpers/s3rver.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { generationId } from '../../lib/formats/names.js'
import { openTree, type Tree } from '../../lib/formats/tree.js'
import { readPublicKeyArg } from '../../lib/sign.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { loadHubConfig } from '../../lib/config/hub.js'
import { hubYamlValues, writeHubYaml } from '../../hub/hub-yaml.js'
import { loadMirrorConfig } from '../../lib/config/mirror.js'
import { silentLogger, type Logger } from '../../lib/log.js'
import { readSyncRecord, syncMirror, type SyncResult } from '../../mirror/sync.js'
import { sha256Hex } from '../../lib/fsx/hash.js'
import { verifyMirror, type VerifyReport } from '../../mirror/verify.js'
import { addMirror, deliver, must, roost, startHubWorld, type HubWorld } from '../lib/stores/hub-world.js'

const G1 = generationId(new Date(Date.now() - 3_600_000), 'full')
const G2 = generationId(new Date(Date.now() - 2_400_000), 'full')
const G3 = generationId(new Date(Date.now() - 1_200_000), 'full')

interface Mirror {
  root: string
  config: string
  /** Rewrites mirror.yaml with `change` applied to its values. */
  edit(change: (v: Record<string, unknown>) => void): Promise<void>
}

/** `roost mirror init` with a bucket section and its rclone.conf; returns the key line to register on the hub. */
async function makeMirror(w: HubWorld, name: string, remote: string, rcloneConf: string): Promise<Mirror & { keyLine: string }> {
  const root = join(w.dir, name)
  const init = must(await roost(['mirror', 'init', root, '--upstream', `127.0.0.1:${w.port}`, '--name', name, '--index-key', w.indexPub]), 'mirror init')
  const keyLine = /roost hub add-mirror \S+ --key '([^']+)'/.exec(init)![1]!
  await fs.writeFile(join(root, 'rclone.conf'), rcloneConf, { mode: 0o600 })
  const config = join(root, 'mirror.yaml')
  const edit = async (change: (v: Record<string, unknown>) => void): Promise<void> => {
    const v = yaml.load(await fs.readFile(config, 'utf8')) as Record<string, unknown>
    change(v)
    await fs.writeFile(config, yaml.dump(v), { mode: 0o600 })
  }
  await edit(v => (v.bucket = { remote, rcloneConfig: 'rclone.conf' }))
  return { root, config, edit, keyLine }
}

// The binary is run where its own part is under test (the --json result, exit codes, the
// restore command line, a process to kill); the other steps call the same functions in-process
// (a node start less each).
const syncCli = (m: Mirror) => roost(['mirror', 'sync', '--config', m.config, '--json'])
const verifyCli = (m: Mirror) => roost(['mirror', 'verify', '--config', m.config])

async function sync(m: Mirror, log: Logger = silentLogger(), now = () => new Date()): Promise<SyncResult> {
  const { config, paths } = await loadMirrorConfig(m.config)
  return syncMirror(config, paths, log, now)
}

async function verify(m: Mirror): Promise<VerifyReport> {
  const { config, paths } = await loadMirrorConfig(m.config)
  return verifyMirror(config, paths, silentLogger(), () => new Date())
}

/** A logger that keeps the messages it is given, in order. */
function recordingLogger(): { log: Logger; messages: string[] } {
  const messages: string[] = []
  const log = {
    level: 'info',
    child: () => log,
    ...Object.fromEntries(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map(l => [l, (a: unknown, b?: string) => messages.push(typeof a === 'string' ? a : (b ?? ''))])),
  }
  return { log: log as unknown as Logger, messages }
}

async function flipByte(file: string, at: number): Promise<void> {
  const h = await fs.open(file, 'r+')
  const b = Buffer.alloc(1)
  await h.read(b, 0, 1, at)
  await h.write(Buffer.from([b[0]! ^ 0xff]), 0, 1, at)
  await h.close()
}

t.test('mirrors into buckets (s3rver and a local rclone remote) through rclone', async t => {
  const dir = t.testdir()
  let s3: RunningS3 | undefined
  let w: HubWorld | undefined
  // one ordered teardown: the hub, then the S3 server, then its folder
  t.teardown(async () => {
    await w?.hub.stop()
    await s3?.stop()
  })
  s3 = await startS3rver('roost')
  w = await startHubWorld(dir, ['wiki'])
  const src = join(dir, 'data', 'wiki')
  await makeServiceTree(src, { seed: 'bucket', largeBytes: 256 * 1024 })
  await deliver(w, 'wiki', G1, src)
  const indexKey = await readPublicKeyArg(w.indexPub)
  const [ms3, mloc] = await Promise.all([
    makeMirror(w, 'ms3', 's3:roost/tree', s3.rcloneConfig('s3')),
    makeMirror(w, 'mloc', `loc:${join(dir, 'loc-bucket', 'tree')}`, '[loc]\ntype = local\n'),
  ])
  for (const [name, m] of [['ms3', ms3], ['mloc', mloc]] as const) await addMirror(w, name, m.keyLine) // one at a time: each rewrites hub.yaml
  const hubW = w

  await t.test('S3: sync, restore bit-exact, nothing new, a new generation, damage found and repaired, a prune kept in the attic after publish', async t => {
    const first = await syncCli(ms3)
    t.equal(first.exitCode, 0, 'the first sync exits 0', { stderr: first.stderr })
    t.same(JSON.parse(first.stdout).fetched, [`wiki/${G1}`])
    t.ok(await fs.stat(s3!.objectFile(`tree/wiki/${G1}/data.tar.zst`)), 'the generation is in the bucket')
    const published = openTree({ bytes: await fs.readFile(s3!.objectFile('tree/TREE.json')), signature: await fs.readFile(s3!.objectFile('tree/TREE.json.sig'), 'utf8') }, indexKey)
    t.ok(published.services.wiki?.generations[G1], "the bucket's TREE.json verifies with the index key and lists it")
    t.same((await fs.readdir(join(ms3.root, 'staging'))).filter(n => !n.startsWith('.')), [], 'no generation is left on the local disk')
    const record = await readSyncRecord(join(ms3.root, 'state'))
    t.match(record, { serial: published.serial, tree: sha256Hex(await fs.readFile(s3!.objectFile('tree/TREE.json'))), treePublished: published.published, since: String }, 'state/sync.json holds the facts the trace reports')
    const trace = JSON.parse(await fs.readFile(join(hubW.hubRoot, 'accounts', 'ms3', 'trace', 'TRACE.json'), 'utf8')) as { entries: Record<string, unknown>[] }
    t.match(trace.entries[0], { path: ['ms3'], serial: record!.serial, tree: record!.tree, treePublished: record!.treePublished, syncedAt: record!.since }, 'and the trace on the hub carries them')

    const to = join(dir, 'restored-s3')
    const restore = await roost(['restore', 'wiki', '--from', 'rclone:s3:roost/tree', '--config', ms3.config, '--to', to])
    t.equal(restore.exitCode, 0, 'restore from the bucket exits 0', { stderr: restore.stderr })
    t.same(await compareTrees(src, join(to, src)), [], 'bit-exact')

    t.equal((await sync(ms3)).upToDate, true, 'a second sync finds nothing new')

    await deliver(hubW, 'wiki', G2, src)
    t.same((await sync(ms3)).fetched, [`wiki/${G2}`], 'a new generation is fetched')

    // bit rot in the object store: s3rver's stored md5 (the ETag) still says all is well
    await flipByte(s3!.objectFile(`tree/wiki/${G2}/data.tar.zst`), 100)
    const bad = await verifyCli(ms3)
    t.equal(bad.exitCode, 3, 'verify exits 3 on a damaged object')
    t.match(bad.stdout, `s3:roost/tree/wiki/${G2}/data.tar.zst: sha256 differs`, 'and names it')
    t.same((await sync(ms3)).repaired, [`wiki/${G2}`], 'the next sync repairs it')
    t.equal((await verify(ms3)).ok, true, 'verify finds nothing wrong after the repair')

    const hubYaml = join(hubW.hubRoot, 'hub.yaml')
    const values = hubYamlValues((await loadHubConfig(hubYaml)).config) as { services: Record<string, Record<string, unknown>> }
    values.services.wiki!.retention = { keepLast: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0 }
    await writeHubYaml(hubYaml, values)
    must(await roost(['hub', 'prune', '--config', hubYaml]), 'hub prune')
    const { log, messages: order } = recordingLogger()
    const pruned = await sync(ms3, log)
    t.same(pruned.removed, [`wiki/${G1}`], 'the pruned generation leaves the store')
    t.same(pruned.kept, [`wiki/${G1}`], 'for the attic')
    t.ok(order.indexOf('index published') >= 0 && order.indexOf('index published') < order.indexOf('pruned generations kept in the attic'), 'after the index is published', { order })
    t.notOk(await fs.stat(s3!.objectFile(`tree/wiki/${G1}/data.tar.zst`)).catch(() => undefined), 'it is gone from the store in the bucket')
    const attic = `tree/attic/${pruned.from}`
    t.ok(await fs.stat(s3!.objectFile(`${attic}/wiki/${G1}/data.tar.zst`)), `and is in ${attic}/, moved server-side`)
    t.match(JSON.parse(await fs.readFile(s3!.objectFile(`${attic}/ATTIC.json`), 'utf8')), { serial: pruned.from, generations: [`wiki/${G1}`], linked: [] })
    const fromAttic = join(dir, 'restored-attic')
    const back = await roost(['restore', 'wiki', G1, '--from', `rclone:s3:roost/${attic}`, '--config', ms3.config, '--to', fromAttic])
    t.equal(back.exitCode, 0, 'restore from the attic folder exits 0', { stderr: back.stderr })
    t.same(await compareTrees(src, join(fromAttic, src)), [], 'the pruned generation restores bit-exact')

    // the first sync at least `keep` (14d by default) later removes the attic folder
    const later = await sync(ms3, silentLogger(), () => new Date(Date.now() + 15 * 86_400_000))
    t.same(later.expired, [`s3:roost/${attic}`], 'past keep, the attic folder is removed')
    t.notOk(await fs.stat(s3!.objectFile(`${attic}/wiki/${G1}/data.tar.zst`)).catch(() => undefined), 'and is gone from the bucket')
  })

  await t.test('local remote: forged indexes refused, a sync killed during an upload resumed', async t => {
    const bucket = join(dir, 'loc-bucket', 'tree')
    t.same((await sync(mloc)).fetched, [`wiki/${G2}`], 'the first sync into the local remote')
    const treeFile = join(bucket, 'TREE.json')
    const genuineHere = await fs.readFile(treeFile)

    // a forged index upstream: exit 3, the bucket's published tree unchanged
    const hubTree = join(hubW.hubRoot, 'store', 'TREE.json')
    const genuine = await fs.readFile(hubTree)
    await fs.writeFile(hubTree, genuine.toString().replace(/"serial":(\d+)/, (_, n: string) => `"serial":${Number(n) + 5}`))
    await t.rejects(sync(mloc), { code: 'INDEX_BAD_SIGNATURE', exitCode: 3, message: /signature/ }, 'a forged upstream index is refused')
    t.ok((await fs.readFile(treeFile)).equals(genuineHere), "the bucket's index is unchanged")
    await fs.writeFile(hubTree, genuine)

    // a forged index in the bucket: restore and verify refuse it, the next sync replaces it
    await fs.writeFile(treeFile, genuineHere.toString().replace(/"serial":(\d+)/, (_, n: string) => `"serial":${Number(n) + 5}`))
    const restore = await roost(['restore', 'wiki', '--from', `rclone:loc:${bucket}`, '--rclone-config', join(mloc.root, 'rclone.conf'), '--index-key', hubW.indexPub, '--to', join(dir, 'forged')])
    t.equal(restore.exitCode, 3, 'restore refuses a forged index in the bucket')
    await t.rejects(verify(mloc), { code: 'INDEX_BAD_SIGNATURE', exitCode: 3 }, 'so does verify')
    await sync(mloc)
    t.ok((await fs.readFile(treeFile)).equals(genuineHere), 'the next sync publishes the genuine index again')

    // a sync killed with SIGKILL while rclone writes the new generation into the bucket
    const big = join(dir, 'data', 'big')
    await fs.mkdir(big, { recursive: true })
    await fs.writeFile(join(big, 'large.bin'), randomBytes(12 * 1024 * 1024)) // incompressible
    await deliver(hubW, 'wiki', G3, big)
    await mloc.edit(v => (v.limits = { bandwidth: '6M', hours: '01:00-07:00' })) // slow enough to be caught half-way

    // the allowed hours end 1 s into the sync (a clock set to 06:59:59): its transfer is stopped
    const close = new Date()
    close.setHours(7, 0, 0, 0)
    const started = Date.now()
    const stopped = await sync(mloc, silentLogger(), () => new Date(close.getTime() - 1000 + Date.now() - started))
    t.match(stopped.stopped, /allowed hours .* ended/, 'the end of the allowed hours stops the sync', { stopped })
    t.ok(Date.now() - started < 3000, 'at once, not when the 12 MiB at 6 MiB/s would be through and uploaded', { ms: Date.now() - started })
    t.ok(openTree({ bytes: await fs.readFile(treeFile), signature: await fs.readFile(`${treeFile}.sig`, 'utf8') }, indexKey).services.wiki?.generations[G3] === undefined, 'nothing new is published')
    await mloc.edit(v => (v.limits = { bandwidth: '6M' }))
    const landing = join(bucket, 'wiki', G3, 'data.tar.zst')
    const child = spawnRoost(['mirror', 'sync', '--config', mloc.config], { reject: false, detached: true, env: { ROOST_LOG_LEVEL: 'warn' } })
    let exited = false
    void child.then(() => (exited = true))
    await waitFor(async () => exited || ((await fs.stat(landing).catch(() => undefined))?.size ?? 0) > 0, 30_000, 'the upload to start')
    const finishedAlone = exited
    if (!finishedAlone) process.kill(-child.pid!, 'SIGKILL')
    const killed = await child
    t.notOk(finishedAlone, 'killed while the upload ran', { exitCode: killed.exitCode, stderr: String(killed.stderr) })
    const cut = (await fs.stat(landing)).size
    t.ok(openTree({ bytes: await fs.readFile(treeFile), signature: await fs.readFile(`${treeFile}.sig`, 'utf8') }, indexKey).services.wiki?.generations[G3] === undefined, 'the published index does not list the cut generation')
    t.equal((await verify(mloc)).ok, true, 'the published tree still verifies')
    await mloc.edit(v => delete v.limits)
    t.same((await sync(mloc)).fetched, [`wiki/${G3}`], 'the next sync completes the generation')
    const tree: Tree = openTree({ bytes: await fs.readFile(treeFile), signature: await fs.readFile(`${treeFile}.sig`, 'utf8') }, indexKey)
    t.equal((await fs.stat(landing)).size, tree.services.wiki!.generations[G3]!.files['data.tar.zst']!.bytes, `the file cut at ${cut} bytes is whole`)
    t.equal((await verify(mloc)).ok, true, 'verify finds nothing wrong after the resumed sync')
    t.same((await fs.readdir(join(mloc.root, 'staging'))).filter(n => !n.startsWith('.')), [], 'staging holds no generation')
  })
})

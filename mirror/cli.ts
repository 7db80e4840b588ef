/** The mirror role's commands: init, sync, verify, volumes, burn, serve, watch, add-mirror. */
import type { Command } from 'commander'
import { configPath, withHelp, type Ctx, type Output, type RunAction } from '../lib/cli.js'
import { EXIT } from '../lib/errors.js'
import { loadMirrorConfig } from '../lib/config/mirror.js'
import { formatBytes } from '../lib/config/units.js'
import { describeProblems } from '../lib/stores/check-files.js'
import { initMirror } from './init.js'
import { syncMirror, type SyncResult } from './sync.js'
import { verifyMirror } from './verify.js'
import type { VolumesResult } from './volumes.js'
import { burn } from './burn.js'
import { addDownstreamMirror } from './add-mirror.js'
import { repairMirror } from './repair.js'
import { parseDuration } from '../lib/config/units.js'
import type { SetsCheck } from '../lib/volumes/verify-set.js'
import { readPrivateKey, parsePublicKey } from '../lib/sign.js'
import { RoostError } from '../lib/errors.js'

interface InitOpts {
  upstream: string
  name: string
  indexKey: string
  hostKey?: string
  serve?: string
}

function registerInit(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('init')
    .description("make a mirror root: config, key, store; pin the upstream's host key and the hub's index key")
    .argument('<dir>', 'the mirror root to create')
    .requiredOption('--upstream <host:port>', 'the hub (or an upstream mirror) to pull from')
    .requiredOption('--name <name>', "this mirror's account name on the upstream")
    .requiredOption('--index-key <key>', "the hub's index key (a line or a .pub file), as `roost hub init` printed it")
    .option('--host-key <key>', "the upstream's SSH host key (a line or a .pub file); read with ssh-keyscan when absent")
    .option('--serve <host:port>', 'this mirror will feed downstream mirrors (roost mirror serve) on this address: makes its SSH host key')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, "roost mirror init /srv/roost-mirror --upstream hub.example.org:2222 --name mirror1 --index-key 'ssh-ed25519 AAAA…'")
  runAction(cmd, async (dir: string, o: InitOpts): Promise<Output> => {
    const r = await initMirror({ dir, upstream: o.upstream, name: o.name, indexKey: o.indexKey, ...(o.hostKey ? { hostKey: o.hostKey } : {}), ...(o.serve ? { serve: o.serve } : {}) })
    const text = [
      `mirror '${r.name}' initialised: ${r.config}`,
      `pinned the upstream's host key for ${r.upstream.host}:${r.upstream.port} (${r.upstream.pinnedFrom === 'argument' ? 'from --host-key' : 'read with ssh-keyscan; compare it with the hub'}): ${r.upstream.fingerprint}`,
      `pinned the hub's index key: ${r.indexKey.fingerprint}`,
      `${r.key.reused ? 'kept the existing' : 'made a new'} key ${r.key.path} (${r.key.fingerprint})`,
      'register this mirror upstream — on the hub:',
      `  ${r.register}`,
      `or, when the upstream is a mirror that serves, on that mirror:`,
      `  ${r.register.replace('roost hub add-mirror', 'roost mirror add-mirror')}`,
      ...(r.serve ? [`it will serve downstream mirrors on ${r.serve.host}:${r.serve.port} (roost mirror serve) with the host key ${r.serve.hostKey.fingerprint}; add each with roost mirror add-mirror`] : []),
    ].join('\n')
    return { json: r, text }
  })
}

/** One line (or two) on what a sync did. Pure. */
export function describeSync(r: SyncResult): string {
  if (r.skipped) return `nothing done: ${r.skipped}`
  if (r.stopped) return `serial ${r.serial} still published here; ${r.stopped}`
  const lines = [
    r.upToDate
      ? `up to date at serial ${r.serial}`
      : `published serial ${r.serial}${r.from === null ? '' : ` (was ${r.from})`}: fetched ${r.fetched.length} generation${r.fetched.length === 1 ? '' : 's'} (${formatBytes(r.bytes)}), repaired ${r.repaired.length}, removed ${r.removed.length}`,
  ]
  if (r.kept?.length) lines.push(`kept ${r.kept.length} pruned generation${r.kept.length === 1 ? '' : 's'} in the attic: ${r.kept.join(', ')}`)
  if (r.expired?.length) lines.push(`removed ${r.expired.length} attic folder${r.expired.length === 1 ? '' : 's'} past the keep period`)
  if (r.traced === false) lines.push('warning: could not report to the upstream (see the log)')
  return lines.join('\n')
}

function registerSync(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('sync')
    .description('pull once: verify the signed index, fetch and verify new generations, publish the index, then prune')
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost mirror sync --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadMirrorConfig(configPath('mirror', o.config))
    const r = await syncMirror(config, paths, ctx.log, ctx.now)
    return { json: r, text: describeSync(r) }
  })
}

function registerVerify(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('verify')
    .description('rehash every file of the published tree; exit 3 on any missing or damaged file (with --repair, only if it could not be mended)')
    .option('--repair', 'fetch damaged files again at once: from the upstream, else from each of the peers in mirror.yaml')
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost mirror verify --repair --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: { config?: string; repair?: boolean }, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadMirrorConfig(configPath('mirror', o.config))
    const r = await verifyMirror(config, paths, ctx.log, ctx.now)
    const summary = `serial ${r.serial}: ${r.services} services, ${r.generations} generations, ${r.files} files, ${formatBytes(r.bytes)} checked`
    if (r.ok) return { json: r, text: `verified ${summary}` }
    const found = `verification FAILED, ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${summary}):\n${describeProblems(r.problems)}`
    if (!o.repair || config.bucket) return { json: r, text: `${found}\nthe next roost mirror sync repairs them`, exitCode: EXIT.VERIFY }
    const fixed = await repairMirror(config, paths, ctx.log, ctx.now)
    const lines = [found, ...Object.entries(fixed.repaired).map(([g, from]) => `repaired ${g} from ${from}`), ...fixed.failed.map(g => `NOT repaired: ${g} (no source had a good copy; it stays suspect)`)]
    return { json: { ...r, repair: fixed }, text: lines.join('\n'), ...(fixed.failed.length ? { exitCode: EXIT.VERIFY } : {}) }
  })
}

interface VolumesOpts {
  media?: string
  out?: string
  newOnly?: boolean
  redundancy?: string
  verify?: string
  config?: string
}

function renderVolumes(r: VolumesResult): string {
  if (!r.made) return `nothing new since the last set (serial ${r.serial}): no set made`
  const lines = [
    `set ${r.set}: ${r.volumes.length} ${r.media === 'bytes' ? formatBytes(r.capacity) : r.media} image${r.volumes.length === 1 ? '' : 's'} in ${r.dir} (${r.generations} generations, ${r.files} files, ${formatBytes(r.dataBytes)}; ${r.lowerBound} without parity)`,
    ...r.volumes.map(v => `  ${v.label}.iso  ${formatBytes(v.bytes)}  ${(v.fill * 100).toFixed(2)}% full  ${v.pieces} piece${v.pieces === 1 ? '' : 's'}, ${formatBytes(v.dataBytes)} of data`),
    `parity: ${r.parity!.redundancyPercent.toFixed(1)}%${r.parity!.survivesDiscLoss ? ', survives the loss of any one disc' : ', repairs damage (a single disc cannot survive its own loss)'}`,
  ]
  if (r.requires.length) lines.push(`needs the earlier sets ${r.requires.join(', ')} to restore everything`)
  lines.push(`took ${(r.ms.total / 1000).toFixed(1)} s (staging ${(r.ms.stage / 1000).toFixed(1)} s, par2 ${(r.ms.parity / 1000).toFixed(1)} s, xorriso ${(r.ms.iso / 1000).toFixed(1)} s); burn each with roost mirror burn IMAGE --drive /dev/sr0`)
  return lines.join('\n')
}

function renderSetsCheck(r: SetsCheck): string {
  return r.sets
    .map(s => {
      const state = !s.damaged.length && !s.missing.length ? 'ok' : s.parity === 'repairable' || s.parity === 'ok' ? 'DAMAGED, repairable with par2' : 'DAMAGED, NOT repairable'
      const lines = [`set ${s.set}: ${state} (${s.ok.length} of ${s.volumes} discs good)`]
      for (const d of s.damaged) lines.push(`  ${d.label}: ${d.reason}`)
      for (const m of s.missing) lines.push(`  ${m}: missing`)
      if (s.requires.length) lines.push(`  needs the earlier sets ${s.requires.join(', ')}`)
      return lines.join('\n')
    })
    .join('\n')
}

function registerVolumes(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('volumes')
    .description('write the published tree as disc images (ISO, one per disc, each with the signed catalog, the index, a README and par2 parity), or check a set with --verify')
    .option('--media <media>', 'cd, dvd, dvd-dl, bd, bd-dl, or a size in bytes (a multiple of 2048; 700M, 4G)')
    .option('--out <dir>', 'write the set into DIR/<set id>/ (ROOST_<set>_NNOFMM.iso, plus CATALOG.json and README.txt)')
    .option('--new-only', 'only what no earlier set of this mirror holds; the catalog names the earlier sets it needs')
    .option('--redundancy <percent>', 'par2 recovery data in percent of the data (default: enough to rebuild any one lost disc, 100/(discs − 1); 10 for one disc)')
    .option('--verify <dir>', 'check the sets in DIR (images or mounted discs) instead: MD5s, catalog, index, and par2 when a disc is damaged or missing')
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost mirror volumes --media dvd --out /srv/roost-discs --new-only --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: VolumesOpts, ctx: Ctx): Promise<Output> => {
    const { config, paths } = await loadMirrorConfig(configPath('mirror', o.config))
    if (o.verify) {
      if (o.media || o.out || o.newOnly || o.redundancy) throw new RoostError('USAGE', '--verify DIR checks sets; it takes none of --media, --out, --new-only, --redundancy')
      const signer = await readPrivateKey(paths.key)
      const { verifySets } = await import('../lib/volumes/verify-set.js')
      const r = await verifySets(o.verify, parsePublicKey(config.indexKey, `${paths.config}: indexKey`), { catalogKey: signer.public })
      return { json: r, text: renderSetsCheck(r), ...(r.ok ? {} : { exitCode: EXIT.VERIFY }) }
    }
    if (!o.media || !o.out) throw new RoostError('USAGE', '--media and --out are required (or --verify DIR)')
    const redundancy = o.redundancy === undefined ? undefined : Number(o.redundancy)
    if (redundancy !== undefined && !(Number.isFinite(redundancy) && redundancy >= 0 && redundancy <= 1000)) throw new RoostError('USAGE', `--redundancy '${o.redundancy}' is not a percentage between 0 and 1000`)
    const { makeVolumes } = await import('./volumes.js') // commands load their heavy parts when run
    const r = await makeVolumes(config, paths, { media: o.media, out: o.out, newOnly: o.newOnly ?? false, ...(redundancy !== undefined ? { redundancy } : {}) }, ctx.log, ctx.now)
    return { json: r, text: renderVolumes(r) }
  })
}

function registerBurn(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('burn')
    .description('burn one image of a set to a disc with xorriso, then read the disc back and compare it with the image')
    .argument('<image>', 'an image written by roost mirror volumes (ROOST_<set>_NNOFMM.iso)')
    .requiredOption('--drive <dev>', 'the burner (/dev/sr0), or stdio:FILE to write a file instead')
    .option('--dry-run', 'print what would be done and burn nothing')
    .option('--config <file>', 'mirror.yaml: the burn is recorded in its state/burns.jsonl')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, 'roost mirror burn /srv/roost-discs/2026W47/ROOST_2026W47_01OF03.iso --drive /dev/sr0')
  runAction(cmd, async (image: string, o: { drive: string; dryRun?: boolean; config?: string }, ctx: Ctx): Promise<Output> => {
    const explicit = o.config ?? process.env.ROOST_CONFIG
    const paths = explicit ? (await loadMirrorConfig(explicit)).paths : undefined
    const r = await burn(image, o.drive, { dryRun: o.dryRun ?? false, ...(paths ? { paths } : {}), now: ctx.now })
    const text = r.burned
      ? `burned ${r.label} to ${o.drive} and read it back: ${formatBytes(r.plan.bytes)} match the image (sha256 ${r.image!.sha256})`
      : `would run: ${r.plan.argv.join(' ')}\nthen read back ${formatBytes(r.plan.bytes)} from ${r.plan.readBack} and compare them with the image`
    return { json: r, text }
  })
}

function registerServe(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('serve')
    .description("feed downstream mirrors: the read-only SSH front door on mirror.yaml's serve.listen (stops on SIGTERM or SIGINT)")
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
  withHelp(cmd, 'roost mirror serve --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: { config?: string }, ctx: Ctx): Promise<void> => {
    const { serveMirror } = await import('./serve.js')
    await serveMirror({ configFile: configPath('mirror', o.config), log: ctx.log })
  })
}

function registerWatch(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('watch')
    .description('stay subscribed to the upstream over SSH and sync within seconds of each publish; dials again with backoff after a cut (stops on SIGTERM or SIGINT)')
    .option('--every <duration>', 'also sync this often without a notice', '1h')
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
  withHelp(cmd, 'roost mirror watch --config /srv/roost-mirror/mirror.yaml')
  runAction(cmd, async (o: { config?: string; every: string }, ctx: Ctx): Promise<void> => {
    const everyMs = parseDuration(o.every)
    if (everyMs === undefined || everyMs < 60_000) throw new RoostError('USAGE', `--every '${o.every}' is not a duration of at least 1m`, { hint: 'for example --every 1h' })
    const { config, paths } = await loadMirrorConfig(configPath('mirror', o.config))
    const { watchMirror } = await import('./watch.js')
    await watchMirror(config, paths, ctx.log, ctx.now, { everyMs, onSync: r => r instanceof Error || ctx.log.info({ sync: describeSync(r) }, 'sync done') })
  })
}

function registerAddMirror(role: Command, runAction: RunAction): void {
  const cmd = role
    .command('add-mirror')
    .description('let a downstream mirror read this one (adds it and a serve: section to mirror.yaml, makes the host key)')
    .argument('<name>', "the downstream mirror's account name")
    .requiredOption('--key <key>', "the downstream mirror's public key (a line or a .pub file), as its `roost mirror init` printed it")
    .option('--config <file>', 'mirror.yaml (default: ROOST_CONFIG or /etc/roost/mirror.yaml)')
    .option('--json', 'print the result as JSON')
  withHelp(cmd, "roost mirror add-mirror mirror2 --key 'ssh-ed25519 AAAA… roost-mirror-mirror2' --config /srv/roost-mirror/mirror.yaml")
  runAction(cmd, async (name: string, o: { key: string; config?: string }): Promise<Output> => {
    const r = await addDownstreamMirror(configPath('mirror', o.config), name, o.key)
    const text = [
      `mirror '${r.name}' (${r.fingerprint}) may now read this mirror: ${r.config}`,
      `${r.hostKey.made ? 'made the' : 'this mirror\'s'} SSH host key: ${r.hostKey.fingerprint}`,
      `serve it with: roost mirror serve --config ${r.config}   (listening on ${r.listen.host}:${r.listen.port}; set serve.listen for other addresses)`,
      'on the downstream mirror (use this host\'s reachable address):',
      `  ${r.init}`,
    ].join('\n')
    return { json: r, text }
  })
}

export function registerMirror(program: Command, runAction: RunAction): void {
  const role = program.command('mirror').description('the mirror role: pull, verify and keep a copy of the hub\'s store')
  registerInit(role, runAction)
  registerSync(role, runAction)
  registerVerify(role, runAction)
  registerVolumes(role, runAction)
  registerBurn(role, runAction)
  registerServe(role, runAction)
  registerWatch(role, runAction)
  registerAddMirror(role, runAction)
}

/**
 * Benchmarks of the spine, on the shared corpus, each next to the raw tool in the same run:
 *  (a) `roost spoke run` (archive + sign + upload + hub verdict) vs `tar -cf - | zstd -3 -T0`;
 *  (b) bytes sent by a second run after one day of change vs the bytes that changed;
 *  (c) rsync of a 1 GiB file through the hub's front door vs through OpenSSH's sshd;
 *  (d) the hub's ingest of the generation vs raw `zstd -3 -T0` of the same tar.
 * Prints figures; asserts nothing. Heavy: not part of the test suite.
 *
 *   node dist/scripts/bench/spine.js [--size-mib 1024] [--dir DIR] [--skip-sshd] [--transport-only]
 */
import { execa } from 'execa'
import { promises as fs } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { formatBytes } from '../../lib/config/units.js'
import { arg, timed } from './common.js'

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
const ROOST = join(REPO, 'dist', 'roost.js')
const CORPUS = resolve(REPO, '..', 'shared', 'corpus')



type LogLine = Record<string, unknown> & { msg?: string }
function logLines(stderr: string): LogLine[] {
  return stderr.split('\n').flatMap(l => {
    try {
      return [JSON.parse(l) as LogLine]
    } catch {
      return []
    }
  })
}

async function roost(args: string[]): Promise<{ stdout: string; logs: LogLine[] }> {
  const r = await execa(process.execPath, [ROOST, ...args], { env: { ROOST_LOG_LEVEL: 'info' }, reject: false })
  if (r.exitCode !== 0) throw new Error(`roost ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`)
  return { stdout: String(r.stdout), logs: logLines(String(r.stderr)) }
}

const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const rate = (bytes: number, ms: number): string => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`

async function main(): Promise<void> {
  const sizeMib = arg('--size-mib', '1024')
  const base = resolve(arg('--dir', await fs.mkdtemp(join(tmpdir(), 'roost-bench-'))))
  await fs.mkdir(base, { recursive: true })
  const p = (...s: string[]): string => join(base, ...s)
  const out: string[] = []
  const say = (s: string): void => {
    out.push(s)
    process.stdout.write(s + '\n')
  }
  say(`roost spine benchmark — corpus ${sizeMib} MiB (seed 42), work folder ${base}`)

  const corpus = p('corpus')
  if (!(await fs.stat(join(corpus, '.')).catch(() => undefined))) {
    await execa('bash', [join(CORPUS, 'corpus.sh'), corpus, sizeMib, '42'], { stdio: 'inherit' })
  }
  const rel = corpus.replace(/^\/+/, '')
  // flush what making (or copying) the corpus left dirty, so no phase pays for it
  await execa('sync')

  // (a) raw: tar | zstd -3 -T0 into a file on the same disk
  const raw = await timed(() => execa('tar', ['-cf', '-', '-C', '/', rel], { buffer: false }).pipe('zstd', ['-3', '-T0', '-q', '-f', '-o', p('raw.tar.zst')]))
  const rawOut = (await fs.stat(p('raw.tar.zst'))).size

  // a hub and a spoke on loopback
  await roost(['hub', 'init', p('hub'), '--port', '0'])
  const hubLogs: string[] = []
  const hub = execa(process.execPath, [ROOST, 'hub', 'serve', '--config', p('hub', 'hub.yaml')], { env: { ROOST_LOG_LEVEL: 'info' }, reject: false, stdin: 'ignore' })
  hub.stderr?.on('data', (d: Buffer) => hubLogs.push(d.toString()))
  try {
    let port = 0
    for (let i = 0; i < 300 && !port; i++) {
      const t = await fs.readFile(p('hub', 'state', 'listen.json'), 'utf8').catch(() => '')
      if (t) port = (JSON.parse(t) as { port: number }).port
      else await new Promise(r => setTimeout(r, 100))
    }
    await roost(['spoke', 'init', '--service', 'bench', '--hub', `127.0.0.1:${port}`, '--source', corpus, '--dir', p('spoke')])
    await roost(['hub', 'add-service', 'bench', '--key', (await fs.readFile(p('spoke', 'keys', 'spoke_ed25519.pub'), 'utf8')).trim(), '--config', p('hub', 'hub.yaml')])

    const transportOnly = process.argv.includes('--transport-only')
    if (!transportOnly) await backups(p, corpus, raw, rawOut, hubLogs, say)
    // (c) 1 GiB through the front door vs sshd
    if (!process.argv.includes('--skip-sshd')) await transport(p, port, say)
  } finally {
    hub.kill('SIGTERM')
    await hub
  }
  await fs.writeFile(p('results.txt'), out.join('\n') + '\n')
}

async function backups(p: (...s: string[]) => string, corpus: string, raw: { ms: number }, rawOut: number, hubLogs: string[], say: (s: string) => void): Promise<void> {
    const run1 = await timed(() => roost(['spoke', 'run', '--config', p('spoke', 'spoke.yaml')]))
    const archive1 = run1.value.logs.find(l => l.msg === 'archive written')
    const upload1 = run1.value.logs.find(l => l.msg === 'uploaded')
    const tarBytes = Number(archive1?.bytes ?? 0)
    say('')
    say(`(a) full backup of the corpus`)
    say(`    tar -cf - | zstd -3 -T0        ${fmtS(raw.ms)}  (${rate(tarBytes, raw.ms)} of tar, ${formatBytes(rawOut)} out)`)
    say(`    roost spoke run (end to end)   ${fmtS(run1.ms)}  ratio ${(run1.ms / raw.ms).toFixed(2)}x`)
    say(`      of which: archive+hash+list ${fmtS(Number(archive1?.ms ?? 0))}, upload ${fmtS(Number(upload1?.ms ?? 0))} (${formatBytes(Number(upload1?.sent ?? 0))} on the wire for a ${formatBytes(tarBytes)} tar)`)

    // (d) hub ingest vs raw zstd on the same tar
    const accepted = logLines(hubLogs.join('')).filter(l => l.msg === 'generation accepted')
    const ingestMs = Number(accepted.at(-1)?.ms ?? NaN)
    const gens = await fs.readdir(p('spoke', 'state', 'generations'))
    const tarPath = p('spoke', 'state', 'generations', gens.sort().at(-1)!, 'data.tar')
    const z = await timed(() => execa('zstd', ['-3', '-T0', '-q', '-f', tarPath, '-o', p('raw2.zst')]))
    say('')
    say(`(d) hub ingest of that generation (hash + zstd + tar listing in one pass, then store, index)`)
    say(`    zstd -3 -T0 of the tar         ${fmtS(z.ms)}  (${rate(tarBytes, z.ms)})`)
    say(`    hub ingest                     ${fmtS(ingestMs)}  ratio ${(ingestMs / z.ms).toFixed(2)}x`)

    // (b) one day of change, second run
    const mut = await execa('bash', [join(CORPUS, 'mutate.sh'), corpus, '1', '42'])
    await execa('sync')
    let changed = NaN
    try {
      const j = JSON.parse(String(mut.stdout)) as Record<string, unknown>
      changed = Number(j.bytes_changed ?? j.changed_bytes ?? j.bytes ?? NaN)
    } catch { /* printed below as unknown */ }
    const run2 = await timed(() => roost(['spoke', 'run', '--config', p('spoke', 'spoke.yaml')]))
    const archive2 = run2.value.logs.find(l => l.msg === 'archive written')
    const upload2 = run2.value.logs.find(l => l.msg === 'uploaded')
    const sent2 = Number(upload2?.sent ?? NaN)
    const tar2 = Number(archive2?.bytes ?? NaN)
    say('')
    say(`(b) second run after one day of change (mutate.sh day 1)`)
    say(`    bytes changed (mutate.sh)      ${Number.isFinite(changed) ? formatBytes(changed) : 'see mutate output'}`)
    say(`    bytes sent by rsync            ${formatBytes(sent2)} = ${((100 * sent2) / tar2).toFixed(2)}% of the ${formatBytes(tar2)} tar${Number.isFinite(changed) ? `, ${(sent2 / changed).toFixed(2)}x the bytes changed` : ''}`)
    say(`    literal data / matched         ${formatBytes(Number(upload2?.literal ?? NaN))} / ${formatBytes(Number(upload2?.matched ?? NaN))}`)
    say(`    roost spoke run                ${fmtS(run2.ms)}`)
}

async function transport(p: (...s: string[]) => string, port: number, say: (s: string) => void): Promise<void> {
  const big = p('big.bin')
  if (!(await fs.stat(big).catch(() => undefined))) await execa('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', 'count=1024', 'status=none'])
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', p('sshd_host')]).catch(() => undefined)
  const sshdPort = 20000 + Math.floor(Math.random() * 20000)
  await fs.writeFile(p('sshd_config'), [`Port ${sshdPort}`, 'ListenAddress 127.0.0.1', `HostKey ${p('sshd_host')}`, `AuthorizedKeysFile ${p('spoke', 'keys', 'spoke_ed25519.pub')}`, 'PasswordAuthentication no', 'PermitRootLogin prohibit-password', 'StrictModes no', 'UsePAM no', `PidFile ${p('sshd.pid')}`].join('\n') + '\n')
  await fs.mkdir('/run/sshd', { recursive: true })
  await execa('/usr/sbin/sshd', ['-f', p('sshd_config'), '-E', p('sshd.log')])
  const ssh = (prt: number): string => `ssh -p ${prt} -i ${p('spoke', 'keys', 'spoke_ed25519')} -c aes128-gcm@openssh.com -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`
  const viaHub = async (i: number): Promise<number> => (await timed(() => execa('rsync', ['--times', '-e', ssh(port), big, `bench@127.0.0.1:/transport-${i}/`]))).ms
  const viaSshd = async (i: number): Promise<number> => {
    await fs.mkdir(p('sshd-dest'), { recursive: true })
    return (await timed(() => execa('rsync', ['--times', '-e', ssh(sshdPort), big, `root@127.0.0.1:${p('sshd-dest', `t-${i}`)}/`]))).ms
  }
  const hubMs: number[] = []
  const sshdMs: number[] = []
  try {
    for (let i = 0; i < 3; i++) {
      hubMs.push(await viaHub(i))
      sshdMs.push(await viaSshd(i))
    }
  } finally {
    const pid = await fs.readFile(p('sshd.pid'), 'utf8').catch(() => '')
    if (pid) process.kill(Number(pid), 'SIGTERM')
  }
  const best = (a: number[]): number => Math.min(...a)
  say('')
  say(`(c) rsync of a 1 GiB random file over loopback, aes128-gcm, best of 3`)
  say(`    through OpenSSH sshd           ${fmtS(best(sshdMs))}  (${rate(1024 ** 3, best(sshdMs))})  runs ${sshdMs.map(fmtS).join(', ')}`)
  say(`    through the hub's front door   ${fmtS(best(hubMs))}  (${rate(1024 ** 3, best(hubMs))})  runs ${hubMs.map(fmtS).join(', ')}`)
  say(`    ratio front door / sshd        ${(best(hubMs) / best(sshdMs)).toFixed(2)}`)
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).message.slice(0, 2000)}\n`)
  process.exitCode = 1
})

/**
 * What spokes and mirrors share about the upstream they dial: reading `HOST:PORT`, and
 * pinning its SSH host key on first use with ssh-keyscan (the admin compares the printed
 * fingerprint with the one `roost hub init` printed).
 */
import { run } from './proc/run.js'
import { RoostError } from './errors.js'
import { parsePublicKey, type PublicKey } from './sign.js'

/** Splits `host:port`, `[v6]:port` or `host` (port 2222 by default). Pure. `option` names the flag in errors. */
export function parseEndpoint(text: string, option = '--hub', o: { anyPort?: boolean } = {}): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text)
  const port = m?.[2] === undefined ? 2222 : Number(m[2])
  if (!m || !m[1] || !Number.isInteger(port) || port < (o.anyPort ? 0 : 1) || port > 65535) {
    throw new RoostError('USAGE', `${option} '${text}' is not HOST:PORT`, { hint: `for example ${option} hub.example.org:2222 or ${option} [2001:db8::1]:2222` })
  }
  return { host: m[1], port }
}

/** The ed25519 host key in ssh-keyscan's output, if any. Pure. */
export function pickScannedKey(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    const [, type, blob] = line.trim().split(/\s+/)
    if (!line.startsWith('#') && type === 'ssh-ed25519' && blob) return `${type} ${blob}`
  }
  return undefined
}

/** Asks an upstream for its ed25519 host key. `flag` is the option that pins it by hand instead. */
export async function scanHostKey(host: string, port: number, flag: string): Promise<PublicKey> {
  const r = await run(['ssh-keyscan', '-T', '10', '-t', 'ed25519', '-p', String(port), host], { code: 'HUB_UNREACHABLE', what: `ssh-keyscan of ${host}:${port}`, timeout: 30_000 })
  const line = pickScannedKey(r.stdout)
  if (!line) {
    throw new RoostError('HUB_UNREACHABLE', `could not read an ed25519 host key from ${host}:${port}`, {
      hint: `is the hub (or upstream mirror) running and reachable? Or pass ${flag} with the host key \`roost hub init\` printed`,
    })
  }
  return parsePublicKey(line, `the host key of ${host}:${port}`)
}

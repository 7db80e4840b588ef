/**
 * How roost dials an upstream with OpenSSH's ssh: our key only, the pinned host key only,
 * no password, no agent, no forwarding, the fast cipher first (DESIGN's Facts).
 */
import { RoostError } from './errors.js'
import type { Endpoint } from './config/types.js'

/** The alias the pinned host key is stored under in roost's own known_hosts file. */
export const HOST_ALIAS = 'roost-upstream'

export interface SshTarget {
  host: string
  port: number
  user: string
  /** Path of our private key. */
  key: string
  /** Path of the known_hosts file holding the pinned key under HOST_ALIAS. */
  knownHosts: string
  /** ssh's ServerAliveInterval in ms (default 15 s); the link counts as cut after 4 unanswered. */
  keepalive?: number
}

/** The target for a configured endpoint (host, port, keepalive) as `user` with our `key`. */
export function endpointTarget(e: Endpoint, user: string, key: string, knownHosts: string): SshTarget {
  return { host: e.host, port: e.port, user, key, knownHosts, ...(e.keepalive !== undefined ? { keepalive: e.keepalive } : {}) }
}

/** The known_hosts line for a pinned host key. */
export function knownHostsLine(hostKey: string): string {
  const [type, blob] = hostKey.trim().split(/\s+/)
  return `${HOST_ALIAS} ${type} ${blob}\n`
}

/** argv for ssh to the target (without the remote command). */
export function sshArgv(t: SshTarget): string[] {
  return [
    'ssh',
    '-p', String(t.port),
    '-i', t.key,
    '-l', t.user,
    '-c', 'aes128-gcm@openssh.com,chacha20-poly1305@openssh.com',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes',
    '-o', 'PasswordAuthentication=no',
    '-o', 'KbdInteractiveAuthentication=no',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${t.knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `HostKeyAlias=${HOST_ALIAS}`,
    '-o', 'ForwardAgent=no',
    '-o', 'ForwardX11=no',
    '-o', 'ClearAllForwardings=yes',
    '-o', `ServerAliveInterval=${Math.max(1, Math.round((t.keepalive ?? 15_000) / 1000))}`,
    '-o', 'ServerAliveCountMax=4',
    '-o', 'ConnectTimeout=20',
    '-o', 'LogLevel=ERROR',
  ]
}

/**
 * The single string rsync's `-e` takes. rsync splits it itself (no shell is involved);
 * arguments with spaces are single-quoted, and a quote in a path is refused.
 */
export function rsyncRsh(t: SshTarget): string {
  return sshArgv(t)
    .map(a => {
      if (a.includes("'")) throw new RoostError('CONFIG_INVALID', `path ${a} contains a single quote, which roost cannot pass to rsync -e`)
      return /[\s"\\]/.test(a) ? `'${a}'` : a
    })
    .join(' ')
}

/** `user@host:` prefix for rsync (IPv6 addresses bracketed). */
export function remotePrefix(t: SshTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `${t.user}@${host}:`
}

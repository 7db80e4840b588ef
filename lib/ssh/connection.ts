/**
 * One SSH connection on the front door, after the socket was accepted: public-key auth with a
 * cap on failures and a pause after each, then sessions that may only `exec` what the policy
 * allows. Every other request kind is refused (and logged).
 */
import type ssh2 from 'ssh2'
import type { AuthContext, Connection, Session } from 'ssh2'
import type { Socket } from 'node:net'
import type { Logger } from '../log.js'
import type { ExecDecision, FrontDoorLimits } from './types.js'
import { blobFingerprint, decideAuth } from './auth.js'
import { runExecChild, type RunningExec } from './exec-child.js'
import { runWatchTree } from './watch-tree.js'

/** What the front door knows about one connection. */
export interface Conn {
  id: number
  sock: Socket
  log: Logger
  authenticated: boolean
  user?: string
  failures: number
  noneSeen: boolean
  sessions: number
  execs: Set<RunningExec>
  grace?: NodeJS.Timeout
}

/** The policy and limits a connection is wired with. */
export interface ConnPolicy {
  limits: FrontDoorLimits
  keyFor(user: string): Promise<string | undefined> | string | undefined
  planExec(user: string, command: string): Promise<ExecDecision> | ExecDecision
  failureDelayMs: number
  maxSessions: number
  /** Called once when the connection authenticates (the front door's bookkeeping). */
  onAuthenticated(c: Conn): void
}

/** Session requests refused outright: everything but exec. */
const REFUSED_SESSION_REQUESTS = ['pty', 'shell', 'subsystem', 'sftp', 'env', 'x11', 'auth-agent', 'signal', 'window-change']

function refuse(c: Conn, what: string) {
  return (_accept: unknown, reject?: () => void): void => {
    // every OpenSSH client sends its locale as env: not worth a warning
    c.log[what === 'env' ? 'debug' : 'warn']({ user: c.user, request: what }, 'request refused')
    reject?.()
  }
}

function failAttempt(p: ConnPolicy, c: Conn, client: Connection, ctx: AuthContext, reason: string, fingerprint: string | undefined): void {
  c.failures++
  const user = ctx.username.slice(0, 64)
  c.log.warn({ user, method: ctx.method, fingerprint, reason, failures: c.failures }, 'auth failed')
  if (c.failures >= p.limits.maxAuthTries) {
    c.log.warn({ user, failures: c.failures }, 'too many auth attempts: disconnecting')
    client.end()
    c.sock.destroySoon()
    return
  }
  setTimeout(() => {
    try {
      ctx.reject(['publickey'])
    } catch {
      // the connection went away meanwhile
    }
  }, p.failureDelayMs)
}

async function authenticate(p: ConnPolicy, c: Conn, client: Connection, ctx: AuthContext): Promise<void> {
  if (ctx.method === 'none' && !c.noneSeen) {
    c.noneSeen = true // the client asking which methods exist: not an attempt
    return ctx.reject(['publickey'])
  }
  let registered: string | undefined
  try {
    registered = await p.keyFor(ctx.username)
  } catch (err) {
    c.log.error({ err }, 'looking up the account failed')
  }
  const v = decideAuth(ctx, registered)
  const fingerprint = ctx.method === 'publickey' ? blobFingerprint(ctx.key.data) : undefined
  if (v.kind === 'reject') return failAttempt(p, c, client, ctx, v.reason, fingerprint)
  if (v.kind === 'accept') {
    c.user = ctx.username
    c.log.info({ user: c.user, fingerprint }, 'authenticated')
  }
  ctx.accept()
}

async function runExec(p: ConnPolicy, c: Conn, channel: ssh2.ServerChannel, command: string, isOpen: () => boolean): Promise<void> {
  let d: ExecDecision
  try {
    d = await p.planExec(c.user!, command)
  } catch (err) {
    c.log.error({ err }, 'exec policy failed')
    d = { allow: false, reason: 'internal error in the hub' }
  }
  if (!isOpen()) return
  const shown = command.length > 300 ? command.slice(0, 300) + '…' : command
  if (!d.allow) {
    c.log.warn({ user: c.user, command: shown, reason: d.reason }, 'exec refused')
    channel.stderr.write(`roost: refused: ${d.reason}\n`)
    channel.exit(1)
    channel.end()
    return
  }
  const started = Date.now()
  c.log.info({ user: c.user, command: shown, ...('argv' in d ? { argv: d.argv } : { builtin: d.builtin }) }, 'exec')
  const e = 'builtin' in d ? runWatchTree(channel, d.store, c.log) : runExecChild(channel, d.argv, d.env, c.log)
  c.execs.add(e)
  const r = await e.done
  c.execs.delete(e)
  c.log.info({ user: c.user, ...r, ms: Date.now() - started }, 'exec ended')
}

function wireSession(p: ConnPolicy, c: Conn, session: Session): void {
  for (const what of REFUSED_SESSION_REQUESTS) session.on(what, refuse(c, what))
  // accept at once: a client may send data and EOF right behind its exec request, and ssh2
  // drops a session whose EOF arrives before it has a channel
  session.on('exec', (accept: () => ssh2.ServerChannel | undefined, _reject: () => void, info: { command: string }) => {
    const channel = accept()
    if (!channel) return
    let open = true
    channel.once('close', () => (open = false))
    runExec(p, c, channel, info.command, () => open).catch(err => c.log.error({ err }, 'exec failed'))
  })
}

/** Wires an ssh2 connection: auth, keepalive timeouts, sessions, and refusals of the rest. */
export function wireConnection(p: ConnPolicy, c: Conn, client: Connection): void {
  client.on('error', (err: Error & { level?: string }) => {
    c.log.debug({ err: err.message, level: err.level }, 'connection error')
    if (err.level !== 'client-timeout') return
    c.log.info({ user: c.user }, 'keepalive timeout: dropping connection')
    c.sock.destroy() // the peer may never answer a clean close
  })
  client.on('authentication', ctx => {
    authenticate(p, c, client, ctx).catch(err => {
      c.log.error({ err }, 'auth failed unexpectedly: dropping connection')
      c.sock.destroy()
    })
  })
  client.on('ready', () => p.onAuthenticated(c))
  client.on('session', (accept, reject) => {
    if (c.sessions >= p.maxSessions) return refuse(c, 'session over the limit')(accept, reject)
    const session = accept()
    c.sessions++
    session.once('close', () => c.sessions--)
    wireSession(p, c, session)
  })
  client.on('tcpip', refuse(c, 'direct-tcpip'))
  client.on('openssh.streamlocal', refuse(c, 'direct-streamlocal'))
  client.on('request', (accept: unknown, reject: (() => void) | undefined, name: string) => refuse(c, name)(accept, reject))
}

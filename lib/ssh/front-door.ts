/**
 * The SSH front door: an ssh2 server (wiring only) that lets a known key run exactly what the
 * role's policy allows, and nothing else. Each role passes its own policy as functions.
 *
 * It adds what ssh2 lacks and sshd has: a cap on auth attempts per connection (then drop),
 * a short pause after each failure, a login grace time, caps on unauthenticated and total
 * connections (extra sockets are destroyed at accept), keepalives. Sessions may only `exec`:
 * pty, shell, subsystems (sftp), env, x11, agent forwarding, signals and every kind of port
 * forwarding are refused. Nothing is read or started until `listen`.
 */
import ssh2 from 'ssh2'
import type { AuthContext, Connection, Session } from 'ssh2'
import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { promises as fs } from 'node:fs'
import type { Logger } from '../log.js'
import type { ExecDecision, FrontDoorLimits } from './types.js'
import { blobFingerprint, decideAuth } from './auth.js'
import { runExecChild, type RunningExec } from './exec-child.js'

export type { ExecDecision, FrontDoorLimits }

export interface FrontDoorOptions {
  /** The SSH host private key (OpenSSH format). */
  hostKeyFile: string
  limits: FrontDoorLimits
  log: Logger
  /** The key line registered for a user name, or undefined: asked on every auth attempt. */
  keyFor(user: string): Promise<string | undefined> | string | undefined
  /** What an authenticated user's exec request runs. */
  planExec(user: string, command: string): Promise<ExecDecision> | ExecDecision
  /** Pause before answering a failed auth attempt (default 300 ms). */
  failureDelayMs?: number
  /** Sessions open at once on one connection (default 4). */
  maxSessions?: number
}

export interface FrontDoor {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>
  /** Stops accepting, drops every connection and kills every running command's group. */
  close(): Promise<void>
}

interface Conn {
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

const peerKey = (ip: string | undefined, port: number | undefined): string => `${ip ?? '?'}|${port ?? '?'}`

/** Builds a front door. Reads the host key and opens the port only in `listen`. */
export function createFrontDoor(o: FrontDoorOptions): FrontDoor {
  const conns = new Set<Conn>()
  const byPeer = new Map<string, Conn>()
  let unauthenticated = 0
  let seq = 0
  let net: NetServer | undefined
  let ssh: ssh2.Server | undefined
  const failureDelay = o.failureDelayMs ?? 300
  const maxSessions = o.maxSessions ?? 4

  const markAuthenticated = (c: Conn): void => {
    if (c.authenticated) return
    c.authenticated = true
    unauthenticated--
    clearTimeout(c.grace)
  }

  const onSocket = (sock: Socket): void => {
    sock.on('error', () => {})
    if (conns.size >= o.limits.maxConnections || unauthenticated >= o.limits.maxUnauthenticated) {
      o.log.warn({ ip: sock.remoteAddress, connections: conns.size, unauthenticated }, 'connection refused: too many connections')
      sock.destroy()
      return
    }
    const id = ++seq
    const c: Conn = { id, sock, log: o.log.child({ conn: id }), authenticated: false, failures: 0, noneSeen: false, sessions: 0, execs: new Set() }
    conns.add(c)
    unauthenticated++
    const key = peerKey(sock.remoteAddress, sock.remotePort)
    byPeer.set(key, c)
    c.grace = setTimeout(() => {
      c.log.info({ ms: o.limits.loginGraceTime }, 'login grace time over: dropping connection')
      sock.destroy()
    }, o.limits.loginGraceTime)
    sock.once('close', () => {
      conns.delete(c)
      byPeer.delete(key)
      if (!c.authenticated) unauthenticated--
      clearTimeout(c.grace)
      for (const e of c.execs) e.kill()
      c.log.info({ user: c.user }, 'connection closed')
    })
    c.log.info({ ip: sock.remoteAddress, port: sock.remotePort }, 'connection')
    ssh!.injectSocket(sock)
  }

  const authenticate = async (c: Conn, client: Connection, ctx: AuthContext): Promise<void> => {
    if (ctx.method === 'none' && !c.noneSeen) {
      c.noneSeen = true // the client asking which methods exist: not an attempt
      ctx.reject(['publickey'])
      return
    }
    let registered: string | undefined
    try {
      registered = await o.keyFor(ctx.username)
    } catch (err) {
      c.log.error({ err }, 'looking up the account failed')
    }
    const v = decideAuth(ctx, registered)
    const user = ctx.username.slice(0, 64)
    const fingerprint = ctx.method === 'publickey' ? blobFingerprint(ctx.key.data) : undefined
    if (v.kind === 'key-ok') return ctx.accept()
    if (v.kind === 'accept') {
      c.user = ctx.username
      c.log.info({ user, fingerprint }, 'authenticated')
      return ctx.accept()
    }
    c.failures++
    c.log.warn({ user, method: ctx.method, fingerprint, reason: v.reason, failures: c.failures }, 'auth failed')
    if (c.failures >= o.limits.maxAuthTries) {
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
    }, failureDelay)
  }

  const refuse = (c: Conn, what: string) => (_accept: unknown, reject?: () => void): void => {
    // every OpenSSH client sends its locale as env: not worth a warning
    c.log[what === 'env' ? 'debug' : 'warn']({ user: c.user, request: what }, 'request refused')
    reject?.()
  }

  const onExec = async (c: Conn, channel: ssh2.ServerChannel, command: string, isOpen: () => boolean): Promise<void> => {
    let d: ExecDecision
    try {
      d = await o.planExec(c.user!, command)
    } catch (err) {
      c.log.error({ err }, 'exec policy failed')
      d = { allow: false, reason: 'internal error in the hub' }
    }
    const shown = command.length > 300 ? command.slice(0, 300) + '…' : command
    if (!isOpen()) return
    if (!d.allow) {
      c.log.warn({ user: c.user, command: shown, reason: d.reason }, 'exec refused')
      channel.stderr.write(`roost: refused: ${d.reason}\n`)
      channel.exit(1)
      channel.end()
      return
    }
    const started = Date.now()
    c.log.info({ user: c.user, command: shown, argv: d.argv }, 'exec')
    const e = runExecChild(channel, d.argv, d.env, c.log)
    c.execs.add(e)
    const r = await e.done
    c.execs.delete(e)
    c.log.info({ user: c.user, ...r, ms: Date.now() - started }, 'exec ended')
  }

  const onSession = (c: Conn, session: Session): void => {
    for (const what of ['pty', 'shell', 'subsystem', 'sftp', 'env', 'x11', 'auth-agent', 'signal', 'window-change']) session.on(what, refuse(c, what))
    // accept at once: a client may send data and EOF right behind its exec request, and ssh2
    // drops a session whose EOF arrives before it has a channel
    session.on('exec', (accept: () => ssh2.ServerChannel | undefined, _reject: () => void, info: { command: string }) => {
      const channel = accept()
      if (!channel) return
      let open = true
      channel.once('close', () => (open = false))
      void onExec(c, channel, info.command, () => open)
    })
  }

  const onClient = (client: Connection, info: { ip: string; port: number }): void => {
    const c = byPeer.get(peerKey(info.ip, info.port))
    client.on('error', (err: Error & { level?: string }) => {
      c?.log.debug({ err: err.message, level: err.level }, 'connection error')
      if (err.level !== 'client-timeout') return
      c?.log.info({ user: c.user }, 'keepalive timeout: dropping connection')
      c?.sock.destroy() // the peer may never answer a clean close
    })
    if (!c) {
      client.end()
      return
    }
    client.on('authentication', ctx => void authenticate(c, client, ctx))
    client.on('ready', () => markAuthenticated(c))
    client.on('session', (accept, reject) => {
      if (c.sessions >= maxSessions) return refuse(c, 'session over the limit')(accept, reject)
      const session = accept()
      c.sessions++
      session.once('close', () => c.sessions--)
      onSession(c, session)
    })
    client.on('tcpip', refuse(c, 'direct-tcpip'))
    client.on('openssh.streamlocal', refuse(c, 'direct-streamlocal'))
    client.on('request', (accept: unknown, reject: (() => void) | undefined, name: string) => refuse(c, name)(accept, reject))
  }

  return {
    async listen(host, port) {
      const hostKey = await fs.readFile(o.hostKeyFile)
      ssh = new ssh2.Server({ hostKeys: [hostKey], ident: 'roost', keepaliveInterval: o.limits.keepaliveInterval, keepaliveCountMax: o.limits.keepaliveCountMax })
      ssh.on('connection', onClient)
      ssh.on('error', (err: Error) => o.log.error({ err }, 'ssh server error'))
      const server = createServer(onSocket)
      net = server
      await new Promise<void>((res, rej) => {
        server.once('error', rej)
        server.listen(port, host, () => {
          server.off('error', rej)
          res()
        })
      })
      server.on('error', err => o.log.error({ err }, 'listener error'))
      const addr = server.address()
      const bound = typeof addr === 'object' && addr ? addr.port : port
      o.log.info({ host, port: bound }, 'front door listening')
      return bound
    },
    async close() {
      const server = net
      net = undefined
      const closing = server ? new Promise<void>(res => server.close(() => res())) : Promise.resolve()
      for (const c of conns) {
        for (const e of c.execs) e.kill()
        c.sock.destroy()
      }
      await closing
    },
  }
}

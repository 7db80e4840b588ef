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
import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { promises as fs } from 'node:fs'
import type { Logger } from '../log.js'
import { RoostError } from '../errors.js'
import type { ExecDecision, FrontDoorLimits } from './types.js'
import { wireConnection, type Conn, type ConnPolicy } from './connection.js'

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

interface State {
  o: FrontDoorOptions
  policy: ConnPolicy
  conns: Set<Conn>
  /** Connections by remote address and port: how ssh2's client is matched to its socket. */
  byPeer: Map<string, Conn>
  unauthenticated: number
  seq: number
  ssh?: ssh2.Server
}

const peerKey = (ip: string | undefined, port: number | undefined): string => `${ip ?? '?'}|${port ?? '?'}`

/** Counts a new socket in, or destroys it when a cap is reached; starts its login grace timer. */
function acceptSocket(st: State, sock: Socket): void {
  sock.on('error', () => {})
  const { limits, log } = st.o
  if (st.conns.size >= limits.maxConnections || st.unauthenticated >= limits.maxUnauthenticated) {
    log.warn({ ip: sock.remoteAddress, connections: st.conns.size, unauthenticated: st.unauthenticated }, 'connection refused: too many connections')
    sock.destroy()
    return
  }
  const id = ++st.seq
  const c: Conn = { id, sock, log: log.child({ conn: id }), authenticated: false, failures: 0, noneSeen: false, sessions: 0, execs: new Set() }
  const key = peerKey(sock.remoteAddress, sock.remotePort)
  st.conns.add(c)
  st.byPeer.set(key, c)
  st.unauthenticated++
  c.grace = setTimeout(() => {
    c.log.info({ ms: limits.loginGraceTime }, 'login grace time over: dropping connection')
    sock.destroy()
  }, limits.loginGraceTime)
  sock.once('close', () => {
    st.conns.delete(c)
    st.byPeer.delete(key)
    if (!c.authenticated) st.unauthenticated--
    clearTimeout(c.grace)
    for (const e of c.execs) e.kill()
    c.log.info({ user: c.user }, 'connection closed')
  })
  c.log.info({ ip: sock.remoteAddress, port: sock.remotePort }, 'connection')
  st.ssh!.injectSocket(sock)
}

/** Builds a front door. Reads the host key and opens the port only in `listen`. */
export function createFrontDoor(o: FrontDoorOptions): FrontDoor {
  let net: NetServer | undefined
  const st: State = {
    o,
    conns: new Set(),
    byPeer: new Map(),
    unauthenticated: 0,
    seq: 0,
    policy: {
      limits: o.limits,
      keyFor: o.keyFor,
      planExec: o.planExec,
      failureDelayMs: o.failureDelayMs ?? 300,
      maxSessions: o.maxSessions ?? 4,
      onAuthenticated: c => {
        if (c.authenticated) return
        c.authenticated = true
        st.unauthenticated--
        clearTimeout(c.grace)
      },
    },
  }
  return {
    async listen(host, port) {
      const hostKey = await fs.readFile(o.hostKeyFile)
      const ssh = new ssh2.Server({ hostKeys: [hostKey], ident: 'roost', keepaliveInterval: o.limits.keepaliveInterval, keepaliveCountMax: o.limits.keepaliveCountMax })
      st.ssh = ssh
      ssh.on('connection', (client, info) => {
        const c = st.byPeer.get(peerKey(info.ip, info.port))
        if (c) return wireConnection(st.policy, c, client)
        client.on('error', () => {})
        client.end()
      })
      ssh.on('error', (err: Error) => o.log.error({ err }, 'ssh server error'))
      const server = createServer(sock => acceptSocket(st, sock))
      net = server
      await new Promise<void>((res, rej) => {
        server.once('error', err => {
          const code = (err as NodeJS.ErrnoException).code
          rej(new RoostError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the address is in use' : err.message}`, { cause: err, hint: 'check listen.host and listen.port in the config' }))
        })
        server.listen(port, host, () => {
          server.removeAllListeners('error')
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
      for (const c of st.conns) {
        for (const e of c.execs) e.kill()
        c.sock.destroy()
      }
      await closing
    },
  }
}

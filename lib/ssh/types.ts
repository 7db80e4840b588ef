/**
 * The contract between the SSH front door (wiring) and a role's access policy (decisions).
 * No ssh2 here: a role's pure policy imports these types without loading the server.
 */

/** What an exec request runs: a command line allowed as an argv, or refused with a reason. */
export type ExecDecision =
  | { allow: true; argv: string[]; env: Record<string, string> }
  | { allow: true; builtin: 'watch-tree'; store: string }
  | { allow: false; reason: string }

/** The limits ssh2 lacks and sshd has (MaxAuthTries, LoginGraceTime, MaxStartups, …). */
export interface FrontDoorLimits {
  /** Failed auth attempts on one connection before it is dropped. */
  maxAuthTries: number
  /** Milliseconds a connection may stay unauthenticated. */
  loginGraceTime: number
  /** Unauthenticated connections at once; more are refused at accept. */
  maxUnauthenticated: number
  /** Connections at once; more are refused at accept. */
  maxConnections: number
  /** Milliseconds between keepalives to an authenticated client. */
  keepaliveInterval: number
  /** Unanswered keepalives before the connection is dropped. */
  keepaliveCountMax: number
}

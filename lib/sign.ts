/**
 * ed25519 keys in OpenSSH's formats, used both for SSH (by ssh and the front door) and for
 * signing manifests and the index, so each party has one key to keep safe.
 * Pure: parses text and signs bytes; reading key files is `readPrivateKey`'s only I/O.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { promises as fs } from 'node:fs'
import { RoostError } from './errors.js'
import { run } from './proc/run.js'

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')
const KEY_TYPE = 'ssh-ed25519'

export interface PublicKey {
  /** `ssh-ed25519 AAAA…` without the comment. */
  line: string
  /** `SHA256:…`, as ssh-keygen -l prints it. */
  fingerprint: string
  object: KeyObject
}

export interface PrivateKey {
  public: PublicKey
  object: KeyObject
}

class Reader {
  private off = 0
  constructor(private readonly buf: Buffer) {}
  u32(): number {
    if (this.off + 4 > this.buf.length) throw new Error('truncated key')
    const v = this.buf.readUInt32BE(this.off)
    this.off += 4
    return v
  }
  bytes(): Buffer {
    const n = this.u32()
    if (this.off + n > this.buf.length) throw new Error('truncated key')
    const b = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return b
  }
  raw(n: number): Buffer {
    if (this.off + n > this.buf.length) throw new Error('truncated key')
    const b = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return b
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b
  const len = Buffer.alloc(4)
  len.writeUInt32BE(body.length)
  return Buffer.concat([len, body])
}

function publicFromRaw(pub: Buffer): PublicKey {
  if (pub.length !== 32) throw new Error('ed25519 public key must be 32 bytes')
  const blob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)])
  const fingerprint = 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
  const object = createPublicKey({ key: Buffer.concat([SPKI_ED25519, pub]), format: 'der', type: 'spki' })
  return { line: `${KEY_TYPE} ${blob.toString('base64')}`, fingerprint, object }
}

/** Parses an `ssh-ed25519 AAAA… [comment]` line. Throws KEY_INVALID naming `where`. */
export function parsePublicKey(text: string, where = 'key'): PublicKey {
  const parts = text.trim().split(/\s+/)
  if (parts[0] !== KEY_TYPE || !parts[1]) {
    throw new RoostError('KEY_INVALID', `${where}: expected an 'ssh-ed25519 AAAA…' public key line`)
  }
  try {
    const r = new Reader(Buffer.from(parts[1], 'base64'))
    if (r.bytes().toString() !== KEY_TYPE) throw new Error('not ed25519')
    return publicFromRaw(r.bytes())
  } catch (err) {
    throw new RoostError('KEY_INVALID', `${where}: not a valid ssh-ed25519 public key`, { cause: err })
  }
}

/** Parses an unencrypted OpenSSH ed25519 private key (as ssh-keygen -N '' writes it). */
export function parsePrivateKey(text: string, where = 'key'): PrivateKey {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(text)
  if (!m) throw new RoostError('KEY_INVALID', `${where}: not an OpenSSH private key`)
  try {
    const r = new Reader(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))
    if (r.raw(15).toString('latin1') !== 'openssh-key-v1\0') throw new Error('bad magic')
    const cipher = r.bytes().toString()
    if (cipher !== 'none') throw new RoostError('KEY_INVALID', `${where}: the key is passphrase-protected; roost needs an unencrypted key (keep it 0600)`)
    r.bytes() // kdf name
    r.bytes() // kdf options
    if (r.u32() !== 1) throw new Error('expected one key')
    r.bytes() // public blob
    const priv = new Reader(r.bytes())
    if (priv.u32() !== priv.u32()) throw new Error('check bytes differ')
    if (priv.bytes().toString() !== KEY_TYPE) throw new RoostError('KEY_INVALID', `${where}: roost needs an ed25519 key`)
    const pub = priv.bytes()
    const secret = priv.bytes()
    const object = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secret.subarray(0, 32)]), format: 'der', type: 'pkcs8' })
    return { public: publicFromRaw(pub), object }
  } catch (err) {
    if (err instanceof RoostError) throw err
    throw new RoostError('KEY_INVALID', `${where}: not a valid OpenSSH ed25519 private key`, { cause: err })
  }
}

/**
 * Reads a private key file. Refuses a key that group or others can read (like ssh does):
 * a leaked signing key lets anyone forge this party's backups.
 */
export async function readPrivateKey(path: string): Promise<PrivateKey> {
  let st
  try {
    st = await fs.stat(path)
  } catch (err) {
    throw new RoostError('CONFIG_MISSING', `key file ${path} cannot be read`, { cause: err, hint: 'check the path in the config' })
  }
  if ((st.mode & 0o077) !== 0) {
    throw new RoostError('KEY_LOOSE_PERMISSIONS', `key file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)})`, { hint: `chmod 600 ${path}` })
  }
  let text: string
  try {
    text = await fs.readFile(path, 'utf8')
  } catch (err) {
    const why = st.isDirectory() ? 'it is a folder' : ((err as NodeJS.ErrnoException).code ?? String(err))
    throw new RoostError('CONFIG_MISSING', `key file ${path} cannot be read (${why})`, { cause: err, hint: 'check the path in the config, and that roost runs as the user who owns the key' })
  }
  return parsePrivateKey(text, path)
}

/** Accepts a public key given either as a line or as a path to a .pub file. */
export async function readPublicKeyArg(arg: string, where = 'key'): Promise<PublicKey> {
  if (arg.trim().startsWith(KEY_TYPE + ' ')) return parsePublicKey(arg, where)
  let text: string
  try {
    text = await fs.readFile(arg, 'utf8')
  } catch (err) {
    throw new RoostError('KEY_INVALID', `${where}: '${arg}' is neither an 'ssh-ed25519 …' line nor a readable file`, { cause: err })
  }
  return parsePublicKey(text, arg)
}

/** Signs bytes; returns base64. */
export function signBytes(key: PrivateKey, data: Buffer): string {
  return sign(null, data, key.object).toString('base64')
}

/** Checks a base64 signature over bytes. Never throws for a bad signature: returns false. */
export function verifyBytes(key: PublicKey, data: Buffer, signature: string): boolean {
  try {
    return verify(null, data, key.object, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

/**
 * Makes an ed25519 key pair with ssh-keygen at `path` (0600), or reuses the one already there
 * (which must be 0600: readPrivateKey refuses a loose one), so an interrupted init can run again.
 */
export async function ensureKeyPair(path: string, comment: string): Promise<{ key: PrivateKey; line: string; reused: boolean }> {
  const reused = await fs.lstat(path).then(() => true, () => false)
  if (!reused) {
    await run(['ssh-keygen', '-t', 'ed25519', '-N', '', '-q', '-C', comment, '-f', path], { code: 'TOOL_FAILED', what: `ssh-keygen for ${path}` })
  }
  const key = await readPrivateKey(path)
  return { key, line: `${key.public.line} ${comment}`, reused }
}

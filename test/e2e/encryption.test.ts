/**
 * An encrypted service end to end, with real age, tar, zstd, rsync and ssh against a real hub
 * on 127.0.0.1: a full and an incr leave the spoke only as ciphertext; nothing the hub holds
 * (store, incoming, basis, books, index) contains a byte of the plaintext or a file name from
 * it; the spoke without the identity cannot read its own history (from the hub or from its
 * kept copies); a wrong identity is refused before anything is fetched; the right one restores
 * the chain exactly; the hub's drill checks the ciphertext without any key.
 */
import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { roost, startHub, type RunningHub } from '../helpers/roost.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { changeTree } from '../spoke/chain-fixture.js'
import { compareTrees } from '../../lib/fsx/compare-trees.js'
import { parseManifest } from '../../lib/formats/manifest.js'
import { recipientFingerprint } from '../../lib/age.js'

const SVC = 'mail'

/** Every file below `root` (not following links) whose name or content holds `needle`. */
async function holders(root: string, needle: Buffer): Promise<string[]> {
  const found: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.name.includes(needle.toString('utf8'))) found.push(p)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile() && (await fs.readFile(p)).includes(needle)) found.push(p)
    }
  }
  await walk(root)
  return found
}

/** A fresh age identity file (0600) and its recipient. */
function keygen(file: string): string {
  execFileSync('age-keygen', ['-o', file], { stdio: 'pipe' })
  return execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim()
}

t.test('an encrypted service: only ciphertext leaves the spoke, only the identity restores it', async t => {
  const dir = t.testdir()
  const data = join(dir, 'srv', SVC)
  await makeServiceTree(data, { seed: SVC, largeBytes: 1024 * 1024 })
  const marker = `plaintext-marker-${randomBytes(8).toString('hex')}`
  await fs.writeFile(join(data, 'data', 'secret.txt'), `the mail of the board: ${marker}\n`.repeat(50))
  await fs.writeFile(join(data, 'data', `${marker}.eml`), 'a file whose name is the marker\n')

  const offline = join(dir, 'offline')
  await fs.mkdir(offline, { mode: 0o700 })
  const identity = join(offline, 'identity.txt')
  const recipient = keygen(identity)
  const stranger = join(offline, 'stranger.txt')
  keygen(stranger)

  const hubRoot = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const hub: RunningHub = await startHub(hubRoot)
  t.teardown(() => hub.stop())
  const spokeDir = join(dir, 'spoke')
  const config = join(spokeDir, 'spoke.yaml')
  const init = await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${hub.port}`, '--source', data, '--dir', spokeDir, '--encrypt-to', recipient])
  t.equal(init.exitCode, 0, 'spoke init --encrypt-to')
  t.match(init.stdout, /encrypted on this host to age1/)
  const keyLine = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  t.equal((await roost(['hub', 'add-service', SVC, '--key', keyLine, '--config', join(hubRoot, 'hub.yaml')])).exitCode, 0, 'add-service')

  const run = async (): Promise<{ generation: string; kind: string; sent: number; bytes: number }> => {
    const r = await roost(['spoke', 'run', '--config', config, '--json'], { timeout: 60_000 })
    t.equal(r.exitCode, 0, 'spoke run', { stderr: r.exitCode ? r.stderr.slice(-3000) : '' })
    return JSON.parse(r.stdout || '{}') as { generation: string; kind: string; sent: number; bytes: number }
  }
  const full = await run()
  await changeTree(data, 'day02')
  await fs.appendFile(join(data, 'data', 'secret.txt'), `and a new line: ${marker}\n`)
  const incr = await run()
  t.match([full.kind, incr.kind], ['full', 'incr'], 'a full, then an incr on it')

  const store = join(hubRoot, 'store', SVC)
  for (const g of [full.generation, incr.generation]) {
    const m = parseManifest(await fs.readFile(join(store, g, 'manifest.json'), 'utf8'))
    t.same(m.encryption, { recipients: [recipientFingerprint(recipient)] }, `${g}: the manifest names the recipient by fingerprint only`)
    t.match(m, { compression: 'zstd', files: [{ name: 'data.tar.zst.age' }] })
    t.same((await fs.readdir(join(store, g))).sort(), ['data.tar.zst.age', 'manifest.json'], `${g}: the store holds the ciphertext as sent`)
    const head = (await fs.readFile(join(store, g, 'data.tar.zst.age'))).subarray(0, 21).toString('latin1')
    t.equal(head, 'age-encryption.org/v1', `${g}: the stored archive is an age file`)
  }
  t.same(await holders(hubRoot, Buffer.from(marker)), [], 'nothing under the hub root holds the plaintext marker, in content or in a name')
  t.same(await holders(join(spokeDir, 'state', 'generations'), Buffer.from(marker)), [], "the spoke's kept copies are ciphertext too")

  const to = (name: string): string => join(dir, 'restore', name)
  // the spoke's own kept copies; from the hub, test/e2e/export-import-encrypted.test.ts
  const none = await roost(['restore', SVC, '--from', 'local', '--config', config, '--to', to('none')])
  t.equal(none.exitCode, 2, "without the identity, the spoke cannot restore its own history")
  t.match(none.stderr, /IDENTITY_REQUIRED/)
  t.match(none.stderr, /--identity/)
  t.notOk(await fs.stat(join(to('none'), 'srv')).catch(() => undefined), 'and writes nothing')

  const wrong = await roost(['restore', SVC, '--from', 'hub', '--config', config, '--to', to('wrong'), '--identity', stranger])
  t.equal(wrong.exitCode, 1, 'another identity is refused')
  t.match(wrong.stderr, /DECRYPT_FAILED/)
  t.match(wrong.stderr, new RegExp(recipientFingerprint(recipient)), 'naming the recipient it was encrypted to')
  t.notOk(await fs.stat(join(to('wrong'), 'srv')).catch(() => undefined), 'and writes nothing')


  for (const from of ['hub', 'local']) {
    const r = await roost(['restore', SVC, '--from', from, '--config', config, '--to', to(from), '--identity', identity, '--json'])
    t.equal(r.exitCode, 0, `restore --from ${from} with the identity`, { stderr: r.stderr.slice(-2000) })
    t.match(JSON.parse(r.stdout || '{}'), { generation: incr.generation, chain: [full.generation, incr.generation] })
    t.same(await compareTrees(data, join(to(from), data)), [], `the chain restored from ${from} equals the source (deletes and renames included)`)
  }
  const list = await roost(['restore', SVC, '--from', 'hub', '--config', config, '--list', '--identity', identity])
  t.equal(list.exitCode, 0, '--list with the identity')
  t.match(list.stdout, new RegExp(`${marker}\\.eml`), 'lists the files inside the ciphertext')

  const drill = await roost(['hub', 'verify', SVC, '--restore-test', '--config', join(hubRoot, 'hub.yaml'), '--json'])
  t.equal(drill.exitCode, 0, "the hub's drill passes without any key", { stderr: drill.stderr.slice(-2000) })
  t.match(drill.stdout, /"sealedOnly":\s*true/, 'and says it checked ciphertext only')
  const spokeDrill = await roost(['spoke', 'verify', '--restore-test', '--config', config, '--identity', identity, '--json'])
  t.equal(spokeDrill.exitCode, 0, 'the spoke drill with the identity restores and compares', { stderr: spokeDrill.stderr.slice(-2000) })
  t.match(JSON.parse(spokeDrill.stdout || '{}'), { ok: true, sealedOnly: false, chain: [full.generation, incr.generation] })

  const kept = join(spokeDir, 'state', 'generations', incr.generation, 'data.tar.zst.age')
  const bytes = await fs.readFile(kept)
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff
  await fs.chmod(kept, 0o600)
  await fs.writeFile(kept, bytes)
  const bad = await roost(['restore', SVC, '--from', 'local', '--config', config, '--to', to('bad'), '--identity', identity])
  t.equal(bad.exitCode, 3, 'a damaged kept copy fails verification')
  t.match(bad.stderr, /HASH_MISMATCH/)
  t.notOk(await fs.stat(join(to('bad'), 'srv')).catch(() => undefined), 'and nothing is restored')
})

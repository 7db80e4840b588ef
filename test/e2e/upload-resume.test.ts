/**
 * A spoke killed mid-upload (kill -9 of its whole process group: node, rsync, ssh): the hub
 * keeps the cut file and accepts nothing partial; the next run finishes the same generation,
 * sending only what the hub does not have yet, and the hub accepts it whole.
 */
import t from 'tap'
import { join } from 'node:path'
import { promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import * as yaml from 'js-yaml'
import { roost, startHub, waitFor, ROOST, spawnRoost } from '../helpers/roost.js'

const SVC = 'mail'
const SIZE = 48 * 1024 * 1024

t.test('a cut upload is never accepted, and the next run resumes it', async t => {
  const dir = t.testdir()
  const data = join(dir, 'srv', SVC)
  await fs.mkdir(data, { recursive: true })
  // random data: neither wire compression nor the empty basis can shortcut the transfer
  const fh = await fs.open(join(data, 'mailbox.bin'), 'w')
  for (let i = 0; i < SIZE / (1 << 20); i++) await fh.write(randomBytes(1 << 20))
  await fh.close()

  const hubRoot = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', hubRoot, '--port', '0'])).exitCode, 0, 'hub init')
  const hub = await startHub(hubRoot)
  t.teardown(() => hub.stop())
  const spokeDir = join(dir, 'spoke')
  const config = join(spokeDir, 'spoke.yaml')
  t.equal((await roost(['spoke', 'init', '--service', SVC, '--hub', `127.0.0.1:${hub.port}`, '--source', data, '--dir', spokeDir])).exitCode, 0, 'spoke init')
  const keyLine = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  t.equal((await roost(['hub', 'add-service', SVC, '--key', keyLine, '--config', join(hubRoot, 'hub.yaml')])).exitCode, 0, 'add-service')

  // a slow line, so the upload can be cut half-way
  const original = await fs.readFile(config, 'utf8')
  const slow = yaml.load(original) as Record<string, Record<string, unknown>>
  slow.upload = { ...(slow.upload ?? {}), bwlimit: '8M' }
  await fs.writeFile(config, yaml.dump(slow), { mode: 0o600 })

  const incoming = join(hubRoot, 'accounts', SVC, 'incoming')
  const child = spawnRoost(['spoke', 'run', '--config', config], { detached: true, reject: false, env: { ROOST_LOG_LEVEL: 'warn' } })
  // wait until a good part of the tar has reached the hub, then kill the spoke's whole group
  const gen = await waitFor(async () => {
    for (const g of await fs.readdir(incoming).catch(() => [] as string[])) {
      if (g.startsWith('.')) continue
      for (const f of await fs.readdir(join(incoming, g)).catch(() => [] as string[])) {
        const st = await fs.stat(join(incoming, g, f)).catch(() => undefined)
        if (st && st.size > 12 * 1024 * 1024) return g
      }
    }
    return undefined
  }, 30_000, 'the upload to be under way')
  process.kill(-child.pid!, 'SIGKILL')
  await child

  // the hub keeps the cut file under its name (rsync --partial), and accepts nothing
  const cut = join(incoming, gen, 'data.tar')
  const kept = await waitFor(async () => (await fs.stat(cut).catch(() => undefined))?.size, 15_000, 'the hub to keep the cut file')
  t.ok(kept > 8 * 1024 * 1024 && kept < SIZE, `the hub kept ${kept} bytes of the cut upload`)
  t.notOk(await fs.stat(join(hubRoot, 'store', SVC, gen)).catch(() => undefined), 'nothing partial entered the store')
  t.notOk(await fs.stat(join(incoming, gen, 'manifest.json')).catch(() => undefined), 'the manifest was never sent')

  // the next run (full speed) finishes that generation first, from where it stopped
  await fs.writeFile(config, original, { mode: 0o600 })
  const next = await roost(['spoke', 'run', '--config', config, '--json'], { env: { ROOST_LOG_LEVEL: 'info' }, timeout: 120_000 })
  t.equal(next.exitCode, 0, 'the next run succeeds', { stderr: next.exitCode === 0 ? '' : next.stderr.slice(-2000) })
  const uploads = next.stderr.split('\n').flatMap(l => {
    try {
      const j = JSON.parse(l) as { msg?: string; generation?: string; literal?: number; matched?: number }
      return j.msg === 'uploaded' ? [j] : []
    } catch {
      return []
    }
  })
  const resumed = uploads.find(u => u.generation === gen)
  t.ok(resumed, 'the cut generation was uploaded again by the next run')
  t.ok((resumed?.matched ?? 0) >= kept * 0.9, `the resumed upload reused what the hub kept (matched ${resumed?.matched}, kept ${kept})`)
  t.ok((resumed?.literal ?? Infinity) < SIZE - kept * 0.9, `and sent only the rest (literal ${resumed?.literal})`)
  const tree = await fs.readFile(join(hubRoot, 'store', 'TREE.json'), 'utf8')
  t.ok(tree.includes(`"${gen}"`), 'the hub accepted the resumed generation whole')
})

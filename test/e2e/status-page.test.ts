/**
 * The hub's status page and /metrics served by a real `hub serve` on 127.0.0.1: a service that
 * delivered (a real spoke run over SSH) and one that never did (flagged late), the metrics
 * parsed, the JSON, 404 and 405; then a token: refused without it, served with it; a loose
 * token file and a non-loopback address without a token are refused at start (exit 2).
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import * as jsYaml from 'js-yaml'
import { roost, startHub, type RunningHub } from '../helpers/roost.js'
import { dumpYaml } from '../../lib/config/load.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { makeKey } from '../lib/stores/make-store.js'

async function setHttp(root: string, http: Record<string, unknown>): Promise<void> {
  const file = join(root, 'hub.yaml')
  const y = jsYaml.load(await fs.readFile(file, 'utf8')) as Record<string, unknown>
  y.http = http
  await fs.writeFile(file, dumpYaml(y))
}

async function httpPort(root: string): Promise<number> {
  return (JSON.parse(await fs.readFile(join(root, 'state', 'listen.json'), 'utf8')) as { http: { port: number } }).http.port
}

t.test('status page, metrics and JSON from a running hub; a token when one is set', async t => {
  const dir = t.testdir()
  const root = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', root, '--port', '0'])).exitCode, 0)
  await setHttp(root, { host: '127.0.0.1', port: 0 })
  let hub: RunningHub | undefined = await startHub(root)
  t.teardown(async () => hub?.stop())
  const base = `http://127.0.0.1:${await httpPort(root)}`

  const src = join(dir, 'src')
  await makeServiceTree(src, { largeBytes: 64 * 1024 })
  const spokeDir = join(dir, 'spoke')
  t.equal((await roost(['spoke', 'init', '--service', 'wiki', '--hub', `127.0.0.1:${hub.port}`, '--source', src, '--dir', spokeDir])).exitCode, 0)
  const key = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  const config = join(root, 'hub.yaml')
  t.equal((await roost(['hub', 'add-service', 'wiki', '--key', key, '--config', config])).exitCode, 0)
  const blogKey = await makeKey(dir, 'blog')
  t.equal((await roost(['hub', 'add-service', 'blog', '--key', blogKey.public.line, '--every', '1h', '--config', config])).exitCode, 0)
  const run = await roost(['spoke', 'run', '--config', join(spokeDir, 'spoke.yaml')], { timeout: 120_000 })
  t.equal(run.exitCode, 0, run.stderr)

  const page = await fetch(`${base}/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  const html = await page.text()
  t.match(html, /data-service="wiki" data-late="false"/, 'the wiki delivered')
  t.match(html, /data-service="blog" data-late="true"/, 'the blog never did: flagged')
  t.match(html, /1 late/)

  const metrics = await (await fetch(`${base}/metrics`)).text()
  t.match(metrics, /^roost_service_late\{service="blog"\} 1$/m)
  t.match(metrics, /^roost_service_late\{service="wiki"\} 0$/m)
  t.match(metrics, /^roost_ingest_accepted_total\{service="wiki"\} 1$/m, 'the accept was counted')
  t.match(metrics, /^roost_ingest_duration_seconds_count\{service="wiki"\} 1$/m)
  t.match(metrics, /^roost_store_free_bytes \d+$/m)
  const ts = Number(/^roost_service_last_success_timestamp_seconds\{service="wiki"\} (\S+)$/m.exec(metrics)?.[1])
  t.ok(Math.abs(ts - Date.now() / 1000) < 600, 'the last success is recent')
  const json = await (await fetch(`${base}/status.json`)).json() as { services: Array<{ name: string; late: boolean }> }
  t.same(json.services.map(s => s.name), ['blog', 'wiki'])
  t.equal((await fetch(`${base}/nope`)).status, 404)
  const post = await fetch(`${base}/`, { method: 'POST', body: 'x' })
  t.equal(post.status, 405)
  t.equal(post.headers.get('allow'), 'GET, HEAD')
  await hub.stop()

  // with a token
  const tokenFile = join(root, 'keys', 'http_token')
  const token = 'k'.repeat(40)
  await fs.writeFile(tokenFile, `${token}\n`, { mode: 0o600 })
  await setHttp(root, { host: '127.0.0.1', port: 0, tokenFile: 'keys/http_token' })
  hub = await startHub(root)
  const tbase = `http://127.0.0.1:${await httpPort(root)}`
  const denied = await fetch(`${tbase}/metrics`)
  t.equal(denied.status, 401)
  t.match(denied.headers.get('www-authenticate'), /Basic/)
  t.equal((await fetch(`${tbase}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401)
  t.equal((await fetch(`${tbase}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status, 200)
  t.equal((await fetch(`${tbase}/`, { headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` } })).status, 200)
  await hub.stop()
  hub = undefined

  // refused at start: a loose token file; beyond loopback without a token
  await fs.chmod(tokenFile, 0o644)
  const loose = await roost(['hub', 'serve', '--config', config])
  t.equal(loose.exitCode, 2, 'a token file others can read is refused')
  t.match(loose.stderr, /chmod 600/)
  await setHttp(root, { host: '0.0.0.0', port: 0 })
  const open = await roost(['hub', 'serve', '--config', config])
  t.equal(open.exitCode, 2, 'no status page beyond loopback without a token')
  t.match(open.stderr, /tokenFile/)
})

t.test('hub init --http writes the address; beyond loopback it makes a 0600 token', async t => {
  const dir = t.testdir()
  const r = await roost(['hub', 'init', join(dir, 'a'), '--port', '0', '--http', '127.0.0.1:8790', '--json'])
  t.equal(r.exitCode, 0, r.stderr)
  t.same(JSON.parse(r.stdout).http, { host: '127.0.0.1', port: 8790 })
  const b = await roost(['hub', 'init', join(dir, 'b'), '--port', '0', '--http', '192.0.2.10:8790', '--json'])
  t.equal(b.exitCode, 0, b.stderr)
  t.equal(JSON.parse(b.stdout).http.tokenFile, 'keys/http_token')
  const st = await fs.stat(join(dir, 'b', 'keys', 'http_token'))
  t.equal(st.mode & 0o777, 0o600)
  t.ok((await fs.readFile(join(dir, 'b', 'keys', 'http_token'), 'utf8')).trim().length >= 32)
  t.match(await fs.readFile(join(dir, 'b', 'hub.yaml'), 'utf8'), /tokenFile: keys\/http_token/)
})

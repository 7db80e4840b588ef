/**
 * The status page in a real headless Chromium (Debian's, driven by playwright-core) against a
 * real `hub serve` on 127.0.0.1 with a token: the browser authenticates (basic auth, the
 * token as password), finds the late service flagged, fits a phone's width without sideways
 * scrolling, runs no script, and takes a screenshot.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import * as jsYaml from 'js-yaml'
import { chromium, type Browser } from 'playwright-core'
import { roost, startHub, type RunningHub } from '../helpers/roost.js'
import { dumpYaml } from '../../lib/config/load.js'
import { makeKey } from '../lib/stores/make-store.js'

const CHROMIUM = '/usr/lib/chromium/chromium'

t.test('a browser sees the late service flagged on the status page', async t => {
  const dir = t.testdir()
  const root = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', root, '--port', '0'])).exitCode, 0)
  const token = 'browser-token-0123456789abcdef'
  await fs.writeFile(join(root, 'keys', 'http_token'), `${token}\n`, { mode: 0o600 })
  const config = join(root, 'hub.yaml')
  const y = jsYaml.load(await fs.readFile(config, 'utf8')) as Record<string, unknown>
  y.http = { host: '127.0.0.1', port: 0, tokenFile: 'keys/http_token' }
  await fs.writeFile(config, dumpYaml(y))
  for (const svc of ['forum', 'wiki']) {
    const k = await makeKey(dir, svc)
    t.equal((await roost(['hub', 'add-service', svc, '--key', k.public.line, '--every', '1h', '--config', config])).exitCode, 0)
  }
  let hub: RunningHub | undefined
  let browser: Browser | undefined
  t.teardown(async () => {
    await browser?.close()
    await hub?.stop()
  })
  hub = await startHub(root)
  const port = (JSON.parse(await fs.readFile(join(root, 'state', 'listen.json'), 'utf8')) as { http: { port: number } }).http.port
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  const denied = await browser.newPage()
  await t.rejects(denied.goto(`http://127.0.0.1:${port}/`), /ERR_INVALID_AUTH_CREDENTIALS/, 'without the token the browser is refused')
  t.equal((await denied.request.get(`http://127.0.0.1:${port}/`)).status(), 401)
  const ctx = await browser.newContext({ httpCredentials: { username: 'admin', password: token }, viewport: { width: 390, height: 844 }, javaScriptEnabled: true })
  const page = await ctx.newPage()
  const res = await page.goto(`http://127.0.0.1:${port}/`)
  t.equal(res?.status(), 200)
  t.equal(await page.title(), 'roost hub — 2 late')
  const wiki = page.locator('[data-service="wiki"]')
  t.equal(await wiki.getAttribute('data-late'), 'true')
  t.match(await wiki.locator('.badge').innerText(), /NO BACKUP YET|LATE/)
  const color = await wiki.evaluate(el => getComputedStyle(el).borderLeftColor)
  t.equal(color, 'rgb(204, 34, 34)', 'the late card is marked red')
  t.equal(await page.locator('#late-count').innerText(), '2 late')
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  t.ok(width <= 390, `fits a phone: ${width}px wide`)
  t.equal(await page.locator('script').count(), 0, 'no script on the page')
  const shot = join(dir, 'status-page.png')
  await page.screenshot({ path: shot, fullPage: true })
  const png = await fs.readFile(shot)
  t.ok(png.length > 5000 && png.subarray(1, 4).toString() === 'PNG', `a ${png.length}-byte screenshot`)
})

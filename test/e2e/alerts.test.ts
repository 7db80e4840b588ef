/**
 * Alerts from a real `hub serve`, delivered for real: a webhook listener and an SMTP server on
 * 127.0.0.1 (smtp-server), and a command that records what it got. A service that never
 * delivered fires `late`; a forged arrival fires `rejected`, once, by all three channels; the
 * next accepted generation resolves it.
 */
import t from 'tap'
import { createServer } from 'node:http'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import * as jsYaml from 'js-yaml'
import { roost, startHub, waitFor, type RunningHub } from '../helpers/roost.js'
import { dumpYaml } from '../../lib/config/load.js'
import { makeServiceTree } from '../helpers/fixtures.js'
import { makeKey } from '../lib/stores/make-store.js'

interface Got {
  state: string
  key: string
  message: string
}

t.test('late and rejected alerts by webhook, mail and command; a resolve when the service delivers again', async t => {
  const dir = t.testdir()
  const hooks: Got[] = []
  const web = createServer((req, res) => {
    let body = ''
    req.on('data', d => (body += d))
    req.on('end', () => {
      hooks.push(JSON.parse(body) as Got)
      res.writeHead(204).end()
    })
  })
  await new Promise<void>(r => web.listen(0, '127.0.0.1', () => r()))
  const mails: string[] = []
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      let text = ''
      stream.on('data', (d: Buffer) => (text += d.toString()))
      stream.on('end', () => {
        mails.push(text)
        cb()
      })
    },
  })
  await new Promise<void>(r => smtp.listen(0, '127.0.0.1', () => r()))
  let hub: RunningHub | undefined
  t.teardown(async () => {
    await hub?.stop()
    web.close()
    await new Promise<void>(r => smtp.close(() => r()))
  })
  const webPort = (web.address() as { port: number }).port
  const smtpPort = (smtp.server.address() as { port: number }).port

  const root = join(dir, 'hub')
  t.equal((await roost(['hub', 'init', root, '--port', '0'])).exitCode, 0)
  const recorder = join(dir, 'record-alert')
  const log = join(dir, 'alerts.log')
  await fs.writeFile(recorder, `#!/bin/sh\nprintf '%s %s %s\\n' "$ROOST_ALERT_STATE" "$ROOST_ALERT_KEY" "$(cat | head -c 20)" >> ${log}\n`, { mode: 0o755 })
  const config = join(root, 'hub.yaml')
  const y = jsYaml.load(await fs.readFile(config, 'utf8')) as Record<string, unknown>
  y.alerts = { every: '1s', remind: '1d', diskFree: '1P', mirrorLag: '2s', command: [recorder], webhook: { url: `http://127.0.0.1:${webPort}/hook` }, mail: { host: '127.0.0.1', port: smtpPort, from: 'roost@hub.test', to: ['ops@example.test'] } }
  await fs.writeFile(config, dumpYaml(y))
  hub = await startHub(root)

  const src = join(dir, 'src')
  await makeServiceTree(src, { largeBytes: 32 * 1024 })
  const spokeDir = join(dir, 'spoke')
  t.equal((await roost(['spoke', 'init', '--service', 'wiki', '--hub', `127.0.0.1:${hub.port}`, '--source', src, '--dir', spokeDir])).exitCode, 0)
  const key = (await fs.readFile(join(spokeDir, 'keys', 'spoke_ed25519.pub'), 'utf8')).trim()
  t.equal((await roost(['hub', 'add-service', 'wiki', '--key', key, '--config', config])).exitCode, 0)
  const spokeRun = () => roost(['spoke', 'run', '--config', join(spokeDir, 'spoke.yaml')], { timeout: 120_000 })
  t.equal((await spokeRun()).exitCode, 0)
  const blogKey = await makeKey(dir, 'blog')
  t.equal((await roost(['hub', 'add-service', 'blog', '--key', blogKey.public.line, '--every', '2s', '--config', config])).exitCode, 0)

  const far = await makeKey(dir, 'far')
  t.equal((await roost(['hub', 'add-mirror', 'far', '--key', far.public.line, '--config', config])).exitCode, 0)

  await waitFor(() => hooks.some(h => h.key === 'late:blog' && h.state === 'firing'), 30_000, 'the late alert')
  await waitFor(() => hooks.some(h => h.key === 'mirror-lag:far' && h.state === 'firing'), 30_000, 'the mirror-lag alert')
  t.match(hooks.find(h => h.key === 'mirror-lag:far')!.message, /mirror far: no trace since it was registered/, 'a mirror that never reported is alerted')
  t.match(hooks.find(h => h.key === 'disk')?.message, /has \d+ bytes free, less than/, 'free space below diskFree is alerted')
  t.match(hooks.find(h => h.key === 'late:blog')!.message, /blog has not delivered a generation since it was added/)
  t.notOk(hooks.some(h => h.key === 'late:wiki'), 'the wiki, added before its first run, is not late within its cadence')

  // a forged arrival: rejected, alerted once by every channel
  const arrival = join(root, 'accounts', 'wiki', 'incoming', '20261122T050000Z-full')
  await fs.mkdir(arrival, { recursive: true })
  await fs.writeFile(join(arrival, 'data.tar.zst'), 'not an archive')
  await fs.writeFile(join(arrival, 'manifest.json'), '{"format":"roost/1"}')
  await waitFor(() => hooks.some(h => h.key === 'rejected:wiki'), 30_000, 'the reject alert')
  await waitFor(async () => mails.some(m => /rejected wiki/.test(m)) && /firing rejected:wiki/.test(await fs.readFile(log, 'utf8').catch(() => '')), 15_000, 'mail and command')
  const mail = mails.find(m => /rejected wiki/.test(m))!
  t.match(mail, /Subject: \[roost\] FIRING rejected wiki/)
  t.match(mail, /To: ops@example.test/)
  await new Promise(r => setTimeout(r, 2500)) // two more checks: nothing is sent twice
  t.equal(hooks.filter(h => h.key === 'rejected:wiki' && h.state === 'firing').length, 1, 'the reject is alerted once')
  t.equal(hooks.filter(h => h.key === 'late:blog').length, 1, 'the late alert is not repeated before its reminder')

  // the next accepted generation resolves the reject alert
  t.equal((await spokeRun()).exitCode, 0)
  await waitFor(() => hooks.some(h => h.key === 'rejected:wiki' && h.state === 'resolved'), 30_000, 'the resolve')
  await waitFor(() => mails.some(m => /RESOLVED rejected wiki/.test(m)), 15_000, 'the resolve mail')
  const lines = (await fs.readFile(log, 'utf8')).trim().split('\n')
  t.ok(lines.some(l => l.startsWith('firing late:blog {')), 'the command got the state, key and the JSON on stdin')
  t.ok(lines.some(l => l.startsWith('resolved rejected:wiki')))
  // the book is written once the notices are out: wait for it rather than race it
  const openKeys = async (): Promise<string[]> => Object.keys((JSON.parse(await fs.readFile(join(root, 'state', 'alerts.json'), 'utf8')) as { open: object }).open).sort()
  await waitFor(async () => !(await openKeys()).includes('rejected:wiki'), 10_000, 'the book to close the reject')
  t.same(await openKeys(), ['disk', 'late:blog', 'mirror-lag:far'], 'the resolved reject is no longer open')
  const st = await fs.stat(join(root, 'state', 'alerts.json'))
  t.equal(st.mode & 0o077, 0)
})

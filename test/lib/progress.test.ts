import t from 'tap'
import { progress } from '../../lib/progress.js'

function sink(isTTY: boolean) {
  const out: string[] = []
  return { isTTY, columns: 60, write: (s: string) => void out.push(s), out }
}

t.test('on a terminal: one line redrawn in place, throttled, ended with a newline', async t => {
  const s = sink(true)
  let clock = 0
  const p = progress('volumes', { stream: s, now: () => clock })
  p.update('staging', 1024 ** 3, 4 * 1024 ** 3)
  clock = 50
  p.update('staging', 2 * 1024 ** 3, 4 * 1024 ** 3) // within 200 ms: not drawn
  clock = 300
  p.update('staging', 3 * 1024 ** 3, 4 * 1024 ** 3)
  p.update('staging', 4 * 1024 ** 3, 4 * 1024 ** 3) // the last one is always drawn
  p.end()
  t.same(s.out.map(l => l.replace('\r\x1b[K', '')), ['volumes: staging 1.0 GiB of 4.0 GiB (25%)', 'volumes: staging 3.0 GiB of 4.0 GiB (75%)', 'volumes: staging 4.0 GiB of 4.0 GiB (100%)', 'volumes: staging 4.0 GiB of 4.0 GiB (100%)', '\n'])
  t.ok(s.out.slice(0, -1).every(l => l.startsWith('\r\x1b[K')), 'each draw returns to the start of the line and clears it')
  const items = sink(true)
  const q = progress('sync', { stream: items })
  q.update('generation', 3, 12, 'items')
  q.update('generation with a very long label that does not fit the terminal at all, really', 4, 12, 'items')
  q.end()
  t.match(items.out[0], /sync: generation 3 of 12 \(25%\)$/)
  t.ok(items.out.every(l => l.replace('\r\x1b[K', '').length <= 59), 'never wider than the terminal')
})

t.test('not a terminal (cron, systemd, a pipe): nothing at all', async t => {
  const s = sink(false)
  const p = progress('archive', { stream: s })
  p.update('tar', 123)
  p.end()
  t.same(s.out, [])
})

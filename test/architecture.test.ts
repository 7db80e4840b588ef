/**
 * Enforces the dependency rules: hub, spoke and mirror import lib only; lib imports no role;
 * each third-party package has one home.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join, relative, dirname, resolve } from 'node:path'
import { REPO } from './helpers/roost.js'

const ROLES = ['hub', 'spoke', 'mirror'] as const
const HOMES: Record<string, string[]> = {
  execa: ['lib/proc/'],
  ssh2: ['lib/ssh/'],
  chokidar: ['hub/ingest/watch.ts'],
  pino: ['lib/log.ts'],
  'pino-pretty': ['lib/log.ts'],
  'js-yaml': ['lib/config/load.ts'],
  'node-cron': ['spoke/'],
  nodemailer: ['lib/mail.ts'],
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await fs.readdir(join(REPO, dir), { withFileTypes: true }).catch(() => [])) {
    const rel = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await sources(rel)))
    else if (e.name.endsWith('.ts')) out.push(rel)
  }
  return out
}

function imports(text: string): string[] {
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
  const out: string[] = []
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2])!)
  return out
}

t.test('roles import only lib, lib imports no role, packages live in one home', async t => {
  const files = [...(await sources('lib')), ...(await sources('hub')), ...(await sources('spoke')), ...(await sources('mirror'))]
  t.ok(files.length > 10, 'found the sources')
  const problems: string[] = []
  for (const file of files) {
    const area = file.split('/')[0]!
    for (const spec of imports(await fs.readFile(join(REPO, file), 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = relative(REPO, resolve(REPO, dirname(file), spec))
        const targetArea = target.split('/')[0]!
        if (area === 'lib' && (ROLES as readonly string[]).includes(targetArea)) problems.push(`${file} (lib) imports role code ${target}`)
        if ((ROLES as readonly string[]).includes(area) && targetArea !== area && targetArea !== 'lib') problems.push(`${file} (${area}) imports ${target}`)
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!
        const homes = HOMES[pkg]
        if (homes && !homes.some(h => file === h || file.startsWith(h))) problems.push(`${file} imports ${pkg}, whose home is ${homes.join(', ')}`)
      }
    }
  }
  t.same(problems, [], 'no import breaks the rules')
})

t.test('nothing happens at import time in lib (no top-level await, timers or process.on)', async t => {
  const problems: string[] = []
  for (const file of await sources('lib')) {
    const text = await fs.readFile(join(REPO, file), 'utf8')
    for (const line of text.split('\n')) {
      if (/^(await |setInterval\(|setTimeout\(|process\.on\()/.test(line)) problems.push(`${file}: ${line.trim()}`)
    }
  }
  t.same(problems, [])
})

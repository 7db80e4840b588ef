/**
 * Test plumbing for disc sets: a mirror root (made with `roost mirror init`) whose store holds
 * generations made with the real tar and zstd and a TREE.json signed with an index key, as a
 * sync would leave it. The wiki's large file is incompressible, so a small medium forces it
 * across several discs.
 */
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { makeServiceTree, mutateTree } from '../helpers/fixtures.js'
import { roost } from '../helpers/roost.js'
import { makeKey } from '../lib/stores/make-store.js'
import { ChainMaker } from '../lib/stores/make-chain.js'
import { buildTree, signTree, type GenerationRecord } from '../../lib/formats/tree.js'
import type { PrivateKey } from '../../lib/sign.js'

export interface VolumesWorld {
  dir: string
  root: string
  config: string
  store: string
  indexKey: PrivateKey & { path: string }
  indexPub: string
  wiki: ChainMaker
  forum: ChainMaker
  /** Signs and publishes the store's tree over every generation made so far. */
  publish(serial: number): Promise<void>
}

export async function makeVolumesWorld(dir: string, o: { largeBytes?: number } = {}): Promise<VolumesWorld> {
  const keys = join(dir, 'keys')
  await fs.mkdir(keys, { recursive: true })
  const indexKey = await makeKey(keys, 'index')
  const wikiKey = await makeKey(keys, 'wiki')
  const forumKey = await makeKey(keys, 'forum')
  const hostKey = await makeKey(keys, 'host')
  const root = join(dir, 'mirror')
  const init = await roost(['mirror', 'init', root, '--upstream', '127.0.0.1:2222', '--name', 'm1', '--index-key', `${indexKey.path}.pub`, '--host-key', `${hostKey.path}.pub`])
  if (init.exitCode !== 0) throw new Error(`mirror init failed: ${init.stderr}`)
  const store = join(root, 'store')
  const work = join(dir, 'work')
  await fs.mkdir(work)
  const wikiSrc = join(dir, 'src-wiki')
  const forumSrc = join(dir, 'src-forum')
  await makeServiceTree(wikiSrc, { seed: 'wiki', largeBytes: o.largeBytes ?? 3 * 1024 * 1024 })
  await makeServiceTree(forumSrc, { seed: 'forum', largeBytes: 64 * 1024 })
  const wiki = new ChainMaker(store, work, 'wiki', wikiSrc, wikiKey)
  const forum = new ChainMaker(store, work, 'forum', forumSrc, forumKey)
  const world: VolumesWorld = {
    dir, root, config: join(root, 'mirror.yaml'), store, indexKey, indexPub: `${indexKey.path}.pub`, wiki, forum,
    async publish(serial) {
      const records: GenerationRecord[] = [...wiki.records, ...forum.records]
      const signed = signTree(buildTree(records, { wiki: wikiKey.public.line, forum: forumKey.public.line }, serial - 1, new Date('2026-11-22T04:00:00Z')), indexKey)
      await fs.writeFile(join(store, 'TREE.json.sig'), signed.signature)
      await fs.writeFile(join(store, 'TREE.json'), signed.bytes)
    },
  }
  await wiki.add('20261120T030000Z-full')
  await mutateTree(wikiSrc, 'wiki-1')
  await wiki.add('20261121T030000Z-incr')
  await forum.add('20261120T040000Z-full')
  await mutateTree(forumSrc, 'forum-1')
  await forum.add('20261121T040000Z-diff')
  await world.publish(1)
  return world
}

/** The files of an ISO image's root folder, with xorriso. */
export function isoFiles(image: string, dir = '/'): string[] {
  const out = execFileSync('xorriso', ['-no_rc', '-indev', image, '-lsl', dir], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
  return out.split('\n').filter(l => l.length && !l.startsWith('Volume')).map(l => l.slice(l.lastIndexOf(' ') + 1).replace(/^'|'$/g, ''))
}

/**
 * Publishing into a bucket (a local rclone remote): signature first, then TREE.json; a publish
 * cut between the two uploads is rolled forward by the next sync, an older pending pair is
 * discarded.
 */
import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { signTree, type Tree } from '../../lib/formats/tree.js'
import { silentLogger } from '../../lib/log.js'
import { copytoArgs, runRclone } from '../../lib/rclone.js'
import { readBucketTree } from '../../lib/stores/bucket.js'
import { commitBucketPending, publishToBucket } from '../../mirror/bucket-publish.js'
import { pendingDir } from '../../mirror/publish.js'
import type { Bucket } from '../../mirror/bucket-store.js'
import { makeKey } from '../lib/stores/make-store.js'

const tree = (serial: number): Tree => ({ format: 'roost-tree/1', serial, published: '2026-11-22T04:00:00.000Z', services: {} })

t.test('signature first, a cut publish rolled forward, an older pending pair discarded', async t => {
  const dir = t.testdir({ 'rclone.conf': '[loc]\ntype = local\n', staging: {} })
  const b: Bucket = { remote: `loc:${join(dir, 'bucket')}`, rclone: { config: join(dir, 'rclone.conf') } }
  const staging = join(dir, 'staging')
  const idx = await makeKey(dir, 'idx')
  const log = silentLogger()
  const read = async () => (await readBucketTree(b.rclone, b.remote, join(dir, 'read'), idx.public, { attempts: 1 }))?.tree.serial

  t.equal(await read(), undefined, 'an empty bucket has no index')
  const one = signTree(tree(1), idx)
  await publishToBucket(b, staging, one, idx.public, undefined, log)
  t.equal(await read(), 1, 'published')
  t.notOk(await fs.stat(pendingDir(staging)).catch(() => undefined), 'the pending pair is gone')

  // cut after the signature went up: the bucket holds a mismatched pair
  const two = signTree(tree(2), idx)
  await fs.mkdir(pendingDir(staging), { recursive: true })
  await fs.writeFile(join(pendingDir(staging), 'TREE.json.sig'), two.signature)
  await fs.writeFile(join(pendingDir(staging), 'TREE.json'), two.bytes)
  await runRclone(copytoArgs(b.rclone, join(pendingDir(staging), 'TREE.json.sig'), `${b.remote}/TREE.json.sig`), 'half a publish')
  await t.rejects(read(), { code: 'INDEX_BAD_SIGNATURE' }, 'readers see a pair that does not verify, never a wrong tree')
  t.equal(await commitBucketPending(b, staging, idx.public, undefined, log), 2, 'the next sync uploads the pending pair again')
  t.equal(await read(), 2)

  // a pending pair older than what the bucket publishes is dropped
  await fs.mkdir(pendingDir(staging), { recursive: true })
  await fs.writeFile(join(pendingDir(staging), 'TREE.json.sig'), one.signature)
  await fs.writeFile(join(pendingDir(staging), 'TREE.json'), one.bytes)
  t.equal(await commitBucketPending(b, staging, idx.public, two, log), undefined)
  t.equal(await read(), 2, 'the bucket keeps the newer index')
  t.notOk(await fs.stat(pendingDir(staging)).catch(() => undefined))
})

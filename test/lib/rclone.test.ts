import t from 'tap'
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import {
  catArgs, catInto, copyRemoteArgs, copytoArgs, deletefileArgs, downloadNamedArgs, featuresArgs, hashByDownload, hashsumDownloadArgs, listFiles, lsjsonArgs, moveArgs,
  parseHashLine, parseLsjsonLine, purgeArgs, remoteHashes, remotePath, rmdirArgs, runRclone, uploadArgs, type Rclone,
} from '../../lib/rclone.js'
import { RoostError } from '../../lib/errors.js'

const r: Rclone = { config: '/etc/roost/rclone.conf', bwlimit: 2 * 1024 * 1024 }

t.test('argv builders (golden)', async t => {
  t.matchSnapshot(uploadArgs(r, '/m/staging/wiki/20261122T030000Z-full', 's3:roost/wiki/20261122T030000Z-full'), 'upload a generation')
  t.matchSnapshot(copytoArgs(r, '/m/staging/.publish/TREE.json', 's3:roost/TREE.json'), 'publish one file')
  t.matchSnapshot(downloadNamedArgs({}, 's3:roost', ['TREE.json', 'TREE.json.sig'], '/m/staging/.bucket-index'), 'download the index pair')
  t.matchSnapshot(lsjsonArgs(r, 's3:roost', { recursive: true }), 'list the bucket')
  t.matchSnapshot(lsjsonArgs(r, 's3:roost/wiki/20261122T030000Z-full', { hashType: 'md5' }), 'list a generation with md5')
  t.matchSnapshot(catArgs(r, 's3:roost/wiki/20261122T030000Z-full/data.tar.zst'), 'cat')
  t.matchSnapshot(hashsumDownloadArgs(r, 's3:roost', '/m/state/verify-bucket/files'), 'hashsum --download')
  t.matchSnapshot([deletefileArgs(r, 's3:roost/x/y/z'), purgeArgs(r, 's3:roost/x/y'), rmdirArgs(r, 's3:roost/x'), featuresArgs(r, 's3:roost')], 'delete, purge, rmdir, features')
  t.matchSnapshot([moveArgs(r, 's3:roost/wiki/g', 's3:roost/attic/7/wiki/g'), copyRemoteArgs(r, 's3:roost/wiki/f', 's3:roost/attic/7/wiki/f')], 'server-side move and copy into the attic')
})

t.test('remote paths join with one slash', async t => {
  t.equal(remotePath('s3:roost/tree', 'wiki', 'g'), 's3:roost/tree/wiki/g')
  t.equal(remotePath('s3:', 'roost'), 's3:roost')
  t.equal(remotePath('loc:/srv/b/', 'TREE.json'), 'loc:/srv/b/TREE.json')
  t.equal(remotePath('s3:roost'), 's3:roost')
})

t.test('a filter pattern escapes glob characters', async t => {
  t.same(downloadNamedArgs({}, 'x:', ['a*b[1]'], '/d').slice(-2), ['--include', '/a\\*b\\[1\\]'])
})

t.test('parsers: lsjson lines and hashsum lines', async t => {
  t.same(parseLsjsonLine('{"Path":"wiki/g/data.tar.zst","Name":"data.tar.zst","Size":12,"ModTime":"x","IsDir":false,"Hashes":{"md5":"ABC"}},', 'md5'), { path: 'wiki/g/data.tar.zst', bytes: 12, hash: 'abc' })
  t.same(parseLsjsonLine('{"Path":"wiki","Size":-1,"IsDir":true}'), undefined, 'folders are skipped')
  t.same(parseLsjsonLine('['), undefined)
  t.same(parseLsjsonLine('{"Path":"a","Size":1,"IsDir":false}', 'sha256'), { path: 'a', bytes: 1 }, 'no hash given: none reported')
  t.same(parseHashLine('0A1b  wiki/g/manifest.json'), { hash: '0a1b', path: 'wiki/g/manifest.json' })
  t.same(parseHashLine('garbage'), undefined)
})

t.test('runners against a local remote', async t => {
  const dir = t.testdir({ 'rclone.conf': '[loc]\ntype = local\n', src: { 'a.bin': 'hello', 'b.bin': 'world!' } })
  const rc: Rclone = { config: join(dir, 'rclone.conf') }
  const bucket = `loc:${join(dir, 'bucket')}`
  t.same(await listFiles(rc, bucket, { recursive: true }), [], 'a folder that does not exist lists as empty')
  await runRclone(uploadArgs(rc, join(dir, 'src'), remotePath(bucket, 'g')), 'upload')
  const listed = await listFiles(rc, bucket, { recursive: true, hashType: 'sha256' })
  t.same(listed.map(f => [f.path, f.bytes]).sort(), [['g/a.bin', 5], ['g/b.bin', 6]])
  t.match(listed.find(f => f.path === 'g/a.bin')?.hash, /^2cf24dba/, 'the local remote gives sha256')
  t.ok((await remoteHashes(rc, bucket)).includes('sha256'))
  await fs.writeFile(join(dir, 'files'), 'g/a.bin\ng/missing\n')
  const hashes = await hashByDownload(rc, bucket, join(dir, 'files'), 'hash')
  t.same([...hashes.keys()], ['g/a.bin'], 'a listed file that is not there is absent from the result')
  const out = new PassThrough()
  const chunks: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  await catInto(rc, remotePath(bucket, 'g', 'b.bin'), out, 'cat')
  t.equal(Buffer.concat(chunks).toString(), 'world!')
  const err = await runRclone(deletefileArgs(rc, remotePath(bucket, 'g', 'nope')), 'deleting nope').catch((e: unknown) => e)
  t.type(err, RoostError)
  t.match(err, { code: 'RCLONE_FAILED', message: /deleting nope: rclone exited \d+ \(/ }, 'a failure names what was done and what rclone said')
  t.match(await runRclone(['rclone', 'lsjson', 'nosuchremote:'], 'listing').catch((e: unknown) => e), { code: 'RCLONE_FAILED' })
})

t.test('an abort stops a transfer at once (the end of the allowed hours)', async t => {
  const dir = t.testdir({ 'rclone.conf': '[loc]\ntype = local\n', src: {} })
  await fs.writeFile(join(dir, 'src', 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 7))
  const slow: Rclone = { config: join(dir, 'rclone.conf'), bwlimit: 512 * 1024 } // 8 s for the file
  const bucket = `loc:${join(dir, 'bucket')}`
  const stopIn = (ms: number): AbortSignal => {
    const a = new AbortController()
    setTimeout(() => a.abort(new Error('the allowed hours ended')), ms)
    return a.signal
  }
  let t0 = Date.now()
  await t.rejects(runRclone(uploadArgs(slow, join(dir, 'src'), remotePath(bucket, 'g')), 'uploading g', { signal: stopIn(300) }), { code: 'RCLONE_FAILED', message: /uploading g was stopped: the allowed hours ended/ })
  t.ok(Date.now() - t0 < 3000, 'the upload stops', { ms: Date.now() - t0 })
  await runRclone(uploadArgs({ config: slow.config }, join(dir, 'src'), remotePath(bucket, 'g')), 'uploading g')
  await fs.writeFile(join(dir, 'files'), 'g/big.bin\n')
  t0 = Date.now()
  await t.rejects(hashByDownload(slow, bucket, join(dir, 'files'), 'reading back g', stopIn(300)), { code: 'RCLONE_FAILED', message: /reading back g was stopped/ })
  t.ok(Date.now() - t0 < 3000, 'so does a read-back', { ms: Date.now() - t0 })
})

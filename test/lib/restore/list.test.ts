import t from 'tap'
import { escapeName, formatMtime, modeString, renderListing, type ListResult } from '../../../lib/restore/list.js'

t.test('modeString prints modes as ls does', async t => {
  t.equal(modeString('file', 0o644), '-rw-r--r--')
  t.equal(modeString('dir', 0o755), 'drwxr-xr-x')
  t.equal(modeString('symlink', 0o777), 'lrwxrwxrwx')
  t.equal(modeString('hardlink', 0o600), 'hrw-------')
  t.equal(modeString('file', 0o4755), '-rwsr-xr-x')
  t.equal(modeString('file', 0o2644), '-rw-r-Sr--')
  t.equal(modeString('dir', 0o1777), 'drwxrwxrwt')
  t.equal(modeString('dir', 0o1776), 'drwxrwxrwT')
})

t.test('formatMtime keeps the fraction the archive has, in UTC', async t => {
  t.equal(formatMtime(1767323045678000000n), '2026-01-02T03:04:05.678Z')
  t.equal(formatMtime(1795338226802275142n), '2026-11-22T09:03:46.802275142Z')
  t.equal(formatMtime(1749283750000000000n), '2025-06-07T08:09:10Z')
  t.equal(formatMtime(-1500000000n), '1969-12-31T23:59:58.5Z')
})

t.test('escapeName keeps one entry on one line', async t => {
  t.equal(escapeName('a\nb\\c\td\x01'), 'a\\nb\\\\c\\td\\x01')
  t.equal(escapeName('ünï 名前'), 'ünï 名前')
})

t.test('renderListing: mode owner size mtime path, aligned', async t => {
  const base = { uid: 0, gid: 0, generation: 'g', mtime: '2026-01-02T03:04:05.678Z' }
  const r: ListResult = {
    service: 'wiki', generation: 'g', source: 'here', chain: ['g'],
    entries: [
      { ...base, path: '/srv/wiki', type: 'dir', mode: 'drwxr-xr-x', owner: 'root/root', size: 0 },
      { ...base, path: '/srv/wiki/big.bin', type: 'file', mode: '-rw-r--r--', owner: 'www-data/www-data', size: 123456 },
      { ...base, path: '/srv/wiki/new\nline', type: 'file', mode: '-rw-r--r--', owner: '1000/1000', size: 7 },
      { ...base, path: '/srv/wiki/link', type: 'symlink', mode: 'lrwxrwxrwx', owner: 'root/root', size: 0, link: '../x' },
      { ...base, path: '/srv/wiki/hard', type: 'hardlink', mode: 'hrw-r--r--', owner: 'root/root', size: 7, link: '/srv/wiki/new\nline' },
    ],
  }
  t.matchSnapshot(renderListing(r))
})

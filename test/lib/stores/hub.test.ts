import t from 'tap'
import { parseGenerationListing } from '../../../lib/stores/hub.js'

t.test('reads generation folders from rsync --list-only output, sorted', async t => {
  const out = [
    'drwxr-xr-x          4,096 2026/11/22 05:16:00 .',
    '-r--r--r--            312 2026/11/22 05:16:00 status.json',
    'dr-xr-xr-x          4,096 2026/11/22 03:01:00 20261122T030000Z-full',
    'dr-xr-xr-x          4,096 2026/11/21 03:01:00 20261121T030000Z-full',
    'drwxr-xr-x          4,096 2026/11/21 03:01:00 not-a-generation',
    '-rw-r--r--             10 2026/11/21 03:01:00 20261120T030000Z-full',
    '',
  ].join('\n')
  t.same(parseGenerationListing(out), ['20261121T030000Z-full', '20261122T030000Z-full'])
})

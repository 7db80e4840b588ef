/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/cli.test.ts > TAP > the run summary names the kind, what it builds on, why, and the label (golden) > incr 1`] = `
wiki 20261122T030000Z-incr [pre-update] accepted by the hub: 40.0 KiB, 12 entries, sha256 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
  incr on 20261121T030000Z-full: policy: incr between fulls (the newest full is 1d 0h old)
  sent 2.0 KiB (5.0% of the archive); 38.1 KiB found in the hub's previous archive
  lock 1 ms, archive 20 ms, upload 300 ms
  deleted from this host: 20261120T030000Z-full
`

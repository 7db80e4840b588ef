/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/list.test.ts > TAP > hub and local generations side by side, with kind and label (golden) > text 1`] = `
wiki: generations (hub = in the hub's store; local = kept on this host)
  generation             kind  hub  local     label
  20261120T030000Z-full  full  yes  -         -
  20261121T030000Z-incr  incr  yes  accepted  pre-update
  20261122T030000Z-diff  diff  -    pending   -
`

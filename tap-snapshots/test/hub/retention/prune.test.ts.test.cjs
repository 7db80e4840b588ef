/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/hub/retention/prune.test.ts > TAP > pin, unpin and prune by hand > dry-run text 1`] = `
wiki: keep 2, remove 2 (dry run: nothing changed)
  remove  20261101T030000Z-full  accepted 2026-11-02T03:00:00.000Z  not kept by last 1
  remove  20261102T030000Z-incr  accepted 2026-11-03T03:00:00.000Z  not kept by last 1
  keep    20261103T030000Z-full  accepted 2026-11-04T03:00:00.000Z  needed by 20261104T030000Z-incr
  keep    20261104T030000Z-incr  accepted 2026-11-05T03:00:00.000Z  [pre-update]  newest; last 1

`

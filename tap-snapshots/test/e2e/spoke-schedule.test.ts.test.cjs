/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/e2e/spoke-schedule.test.ts > TAP > a tick runs a cycle only when none is running and the scheduler is not stopping (golden) > tick decisions 1`] = `
Object {
  "a cycle running": Object {
    "action": "skip",
    "reason": "the cycle started at 2026-11-22T03:00:00.000Z is still running",
  },
  "idle": Object {
    "action": "run",
  },
  "stopping": Object {
    "action": "skip",
    "reason": "the scheduler is stopping",
  },
  "stopping with a cycle running": Object {
    "action": "skip",
    "reason": "the scheduler is stopping",
  },
}
`

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/lock.test.ts > TAP > the take-over decision (golden) > lock decisions 1`] = `
Object {
  "a dead run": Object {
    "action": "take-over",
    "reason": "the run that held it (pid 42) is gone",
  },
  "a live other run": Object {
    "action": "refuse",
    "reason": "another run (pid 42) is in progress",
  },
  "no pid, just written": Object {
    "action": "refuse",
    "reason": "the lock file is being written by another run",
  },
  "no pid, old": Object {
    "action": "take-over",
    "reason": "the lock file holds no pid and is old",
  },
  "our own pid": Object {
    "action": "take-over",
    "reason": "the lock holds our own pid (left by an earlier process with it)",
  },
}
`

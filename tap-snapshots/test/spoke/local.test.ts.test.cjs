/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/local.test.ts > TAP > local retention keeps every generation a kept one needs (golden) > keep 1 with chains 1`] = `
Object {
  "delete": Array [
    Object {
      "generation": "20261103T030000Z-incr",
      "reason": "accepted, older than the newest 1 and in no kept chain",
    },
    Object {
      "generation": "20261102T030000Z-incr",
      "reason": "accepted, older than the newest 1 and in no kept chain",
    },
    Object {
      "generation": "20261101T030000Z-full",
      "reason": "accepted, older than the newest 1 and in no kept chain",
    },
  ],
  "keep": Array [
    Object {
      "generation": "20261107T030000Z-incr",
      "reason": "pending: not accepted by the hub",
    },
    Object {
      "generation": "20261106T030000Z-incr",
      "reason": "accepted, newest 1 of 1 kept",
    },
    Object {
      "generation": "20261105T030000Z-diff",
      "reason": "accepted, in the chain of 20261106T030000Z-incr",
    },
    Object {
      "generation": "20261104T030000Z-full",
      "reason": "accepted, in the chain of 20261106T030000Z-incr",
    },
  ],
}
`

exports[`test/spoke/local.test.ts > TAP > local retention keeps the newest accepted and never an unaccepted one (golden) > keep 1 1`] = `
Object {
  "delete": Array [
    Object {
      "generation": "20261105T030000Z-full",
      "reason": "accepted, older than the newest 1 and in no kept chain",
    },
    Object {
      "generation": "20261103T030000Z-full",
      "reason": "accepted, older than the newest 1 and in no kept chain",
    },
    Object {
      "generation": "20261101T030000Z-full",
      "reason": "accepted, older than the newest 1 and in no kept chain",
    },
  ],
  "keep": Array [
    Object {
      "generation": "20261106T030000Z-full",
      "reason": "accepted, newest 1 of 1 kept",
    },
    Object {
      "generation": "20261104T030000Z-full",
      "reason": "pending: not accepted by the hub",
    },
    Object {
      "generation": "20261102T030000Z-full",
      "reason": "rejected: not accepted by the hub",
    },
  ],
}
`

exports[`test/spoke/local.test.ts > TAP > local retention keeps the newest accepted and never an unaccepted one (golden) > keep 3 1`] = `
Object {
  "delete": Array [
    Object {
      "generation": "20261101T030000Z-full",
      "reason": "accepted, older than the newest 3 and in no kept chain",
    },
  ],
  "keep": Array [
    Object {
      "generation": "20261106T030000Z-full",
      "reason": "accepted, newest 1 of 3 kept",
    },
    Object {
      "generation": "20261105T030000Z-full",
      "reason": "accepted, newest 2 of 3 kept",
    },
    Object {
      "generation": "20261104T030000Z-full",
      "reason": "pending: not accepted by the hub",
    },
    Object {
      "generation": "20261103T030000Z-full",
      "reason": "accepted, newest 3 of 3 kept",
    },
    Object {
      "generation": "20261102T030000Z-full",
      "reason": "rejected: not accepted by the hub",
    },
  ],
}
`

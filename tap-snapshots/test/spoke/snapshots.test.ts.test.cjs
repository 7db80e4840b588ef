/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/snapshots.test.ts > TAP > snapshot pruning keeps what the next diff or incr builds on (golden) > plan 1`] = `
Object {
  "delete": Array [
    Object {
      "generation": "20261111T030000Z-incr",
      "reason": "rejected by the hub: nothing builds on it",
    },
    Object {
      "generation": "20261109T030000Z-incr",
      "reason": "superseded by 20261110T030000Z-diff",
    },
    Object {
      "generation": "20261102T030000Z-incr",
      "reason": "older than the newest full 20261108T030000Z-full",
    },
    Object {
      "generation": "20261101T030000Z-full",
      "reason": "older than the newest full 20261108T030000Z-full",
    },
  ],
  "keep": Array [
    Object {
      "generation": "20261112T030000Z-incr",
      "reason": "pending: the parent of the next incr until the hub decides",
    },
    Object {
      "generation": "20261110T030000Z-diff",
      "reason": "the newest accepted generation: the parent of the next incr",
    },
    Object {
      "generation": "20261108T030000Z-full",
      "reason": "the newest full: the base of the next diff",
    },
  ],
}
`

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/lib/hooks.test.ts > TAP > a phase plan (golden) > post plan 1`] = `
Array [
  Object {
    "argv": Array [
      "wiki-maintenance",
      "on",
    ],
    "env": Object {
      "ROOST_GENERATION": "20261122T030000Z-full",
      "ROOST_PHASE": "post",
      "ROOST_RESULT": "failed",
      "ROOST_SERVICE": "wiki",
    },
    "name": "maintenance on",
    "phase": "post",
    "stopOnFailure": false,
    "timeoutMs": 60000,
  },
]
`

exports[`test/lib/hooks.test.ts > TAP > a phase plan (golden) > pre plan 1`] = `
Array [
  Object {
    "argv": Array [
      "sh",
      "-c",
      "echo dump",
    ],
    "env": Object {
      "ROOST_GENERATION": "20261122T030000Z-full",
      "ROOST_PHASE": "pre",
      "ROOST_SERVICE": "wiki",
    },
    "name": "dump the database",
    "phase": "pre",
    "stopOnFailure": true,
    "timeoutMs": 1800000,
  },
  Object {
    "argv": Array [
      "wiki-maintenance",
      "on",
    ],
    "env": Object {
      "ROOST_GENERATION": "20261122T030000Z-full",
      "ROOST_PHASE": "pre",
      "ROOST_SERVICE": "wiki",
    },
    "name": "maintenance on",
    "phase": "pre",
    "stopOnFailure": true,
    "timeoutMs": 60000,
  },
]
`

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/mirror/plan-sync.test.ts > TAP > an equal serial with the store complete is up to date > up to date 1`] = `
Object {
  "fetch": Array [],
  "from": 7,
  "recheck": Array [],
  "remove": Array [],
  "to": 7,
  "upToDate": true,
}
`

exports[`test/mirror/plan-sync.test.ts > TAP > first sync: everything is fetched, nothing removed > first sync plan 1`] = `
Object {
  "fetch": Array [
    Object {
      "generation": "20261120T030000Z-full",
      "service": "forum",
    },
    Object {
      "generation": "20261120T030000Z-full",
      "service": "wiki",
    },
    Object {
      "generation": "20261121T030000Z-full",
      "service": "wiki",
    },
  ],
  "from": undefined,
  "recheck": Array [],
  "remove": Array [],
  "to": 3,
  "upToDate": false,
}
`

exports[`test/mirror/plan-sync.test.ts > TAP > generations in the store but not verified against this tree are rechecked > recheck plan 1`] = `
Object {
  "fetch": Array [],
  "from": 3,
  "recheck": Array [
    Object {
      "generation": "20261120T030000Z-full",
      "service": "wiki",
    },
    Object {
      "generation": "20261121T030000Z-full",
      "service": "wiki",
    },
  ],
  "remove": Array [],
  "to": 4,
  "upToDate": false,
}
`

exports[`test/mirror/plan-sync.test.ts > TAP > new generations are fetched, vanished ones removed, verified ones kept > incremental plan 1`] = `
Object {
  "fetch": Array [
    Object {
      "generation": "20261122T030000Z-full",
      "service": "wiki",
    },
  ],
  "from": 3,
  "recheck": Array [],
  "remove": Array [
    Object {
      "generation": "20261120T030000Z-full",
      "service": "wiki",
    },
  ],
  "to": 5,
  "upToDate": false,
}
`

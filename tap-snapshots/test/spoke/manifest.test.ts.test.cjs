/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/manifest.test.ts > TAP > the manifest built from a run's facts (golden) > unsigned manifest 1`] = `
Object {
  "base": null,
  "compression": "none",
  "counts": Object {
    "bytes": 20480,
    "dirs": 1,
    "entries": 4,
    "files": 2,
    "hardlinks": 0,
    "other": 0,
    "symlinks": 1,
  },
  "created": "2026-11-22T03:00:07.123Z",
  "encryption": null,
  "excludes": Array [
    "*.tmp",
  ],
  "files": Array [
    Object {
      "bytes": 20480,
      "name": "data.tar",
      "sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    },
  ],
  "format": "roost/1",
  "generation": "20261122T030000Z-full",
  "hooks": Array [
    Object {
      "exitCode": 0,
      "ms": 120,
      "name": "dump",
      "phase": "pre",
    },
    Object {
      "exitCode": 0,
      "ms": 5,
      "name": "maintenance off",
      "phase": "post",
    },
  ],
  "host": "wiki-host",
  "kind": "full",
  "parent": null,
  "roost": "0.1.0",
  "service": "wiki",
  "sources": Array [
    "/srv/wiki",
  ],
}
`

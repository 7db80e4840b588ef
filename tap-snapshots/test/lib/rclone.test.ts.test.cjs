/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > cat 1`] = `
Array [
  "rclone",
  "cat",
  "s3:roost/wiki/20261122T030000Z-full/data.tar.zst",
  "--config",
  "/etc/roost/rclone.conf",
  "--ask-password=false",
  "--bwlimit",
  "2097152B",
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > delete, purge, rmdir, features 1`] = `
Array [
  Array [
    "rclone",
    "deletefile",
    "s3:roost/x/y/z",
    "--config",
    "/etc/roost/rclone.conf",
    "--ask-password=false",
  ],
  Array [
    "rclone",
    "purge",
    "s3:roost/x/y",
    "--config",
    "/etc/roost/rclone.conf",
    "--ask-password=false",
  ],
  Array [
    "rclone",
    "rmdir",
    "s3:roost/x",
    "--config",
    "/etc/roost/rclone.conf",
    "--ask-password=false",
  ],
  Array [
    "rclone",
    "backend",
    "features",
    "s3:roost",
    "--config",
    "/etc/roost/rclone.conf",
    "--ask-password=false",
  ],
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > download the index pair 1`] = `
Array [
  "rclone",
  "copy",
  "s3:roost",
  "/m/staging/.bucket-index",
  "--ask-password=false",
  "--max-depth",
  "1",
  "--include",
  "/TREE.json",
  "--include",
  "/TREE.json.sig",
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > hashsum --download 1`] = `
Array [
  "rclone",
  "hashsum",
  "sha256",
  "s3:roost",
  "--config",
  "/etc/roost/rclone.conf",
  "--ask-password=false",
  "--download",
  "--fast-list",
  "--files-from-raw",
  "/m/state/verify-bucket/files",
  "--bwlimit",
  "2097152B",
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > list a generation with md5 1`] = `
Array [
  "rclone",
  "lsjson",
  "s3:roost/wiki/20261122T030000Z-full",
  "--config",
  "/etc/roost/rclone.conf",
  "--ask-password=false",
  "--files-only",
  "--no-mimetype",
  "--hash-type",
  "md5",
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > list the bucket 1`] = `
Array [
  "rclone",
  "lsjson",
  "s3:roost",
  "--config",
  "/etc/roost/rclone.conf",
  "--ask-password=false",
  "--files-only",
  "--no-mimetype",
  "--recursive",
  "--fast-list",
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > publish one file 1`] = `
Array [
  "rclone",
  "copyto",
  "/m/staging/.publish/TREE.json",
  "s3:roost/TREE.json",
  "--config",
  "/etc/roost/rclone.conf",
  "--ask-password=false",
  "--bwlimit",
  "2097152B",
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > server-side move and copy into the attic 1`] = `
Array [
  Array [
    "rclone",
    "move",
    "s3:roost/wiki/g",
    "s3:roost/attic/7/wiki/g",
    "--config",
    "/etc/roost/rclone.conf",
    "--ask-password=false",
    "--max-depth",
    "1",
    "--delete-empty-src-dirs",
  ],
  Array [
    "rclone",
    "copy",
    "s3:roost/wiki/f",
    "s3:roost/attic/7/wiki/f",
    "--config",
    "/etc/roost/rclone.conf",
    "--ask-password=false",
    "--max-depth",
    "1",
  ],
]
`

exports[`test/lib/rclone.test.ts > TAP > argv builders (golden) > upload a generation 1`] = `
Array [
  "rclone",
  "copy",
  "/m/staging/wiki/20261122T030000Z-full",
  "s3:roost/wiki/20261122T030000Z-full",
  "--config",
  "/etc/roost/rclone.conf",
  "--ask-password=false",
  "--max-depth",
  "1",
  "--bwlimit",
  "2097152B",
]
`

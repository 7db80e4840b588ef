/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/lib/formats/tree.test.ts > TAP > builds the next tree from the books (golden), serial one more than the last > TREE.json canonical form 1`] = `
{"format":"roost-tree/1","published":"2026-11-22T04:00:00.000Z","serial":42,"services":{"forum":{"generations":{"20261121T030000Z-full":{"accepted":"2026-11-21T03:01:00.000Z","files":{"data.tar.zst":{"bytes":200,"sha256":"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"}},"kind":"full"}},"key":"ssh-ed25519 AAAAforum"},"wiki":{"generations":{"20261122T030000Z-full":{"accepted":"2026-11-22T03:01:00.000Z","files":{"data.tar.zst":{"bytes":100,"sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},"manifest.json":{"bytes":10,"sha256":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}},"kind":"full"}},"key":"ssh-ed25519 AAAAwiki"}}}

`

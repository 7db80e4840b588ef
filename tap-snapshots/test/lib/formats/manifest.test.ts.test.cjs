/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/lib/formats/manifest.test.ts > TAP > the canonical form is stable (golden) > manifest roost/1 canonical form 1`] = `
{"base":null,"compression":"none","counts":{"bytes":10240,"dirs":2,"entries":3,"files":1,"hardlinks":0,"other":0,"symlinks":0},"created":"2026-11-22T03:00:00.000Z","encryption":null,"excludes":[],"files":[{"bytes":10240,"name":"data.tar","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}],"format":"roost/1","generation":"20261122T030000Z-full","hooks":[{"exitCode":0,"ms":12,"name":"dump","phase":"pre"}],"host":"wiki-host","kind":"full","parent":null,"roost":"0.1.0","service":"wiki","signature":{"algorithm":"ed25519","key":"SHA256:fixed","value":"fixed"},"sources":["/srv/wiki"]}

`

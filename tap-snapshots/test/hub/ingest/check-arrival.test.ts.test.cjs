/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/hub/ingest/check-arrival.test.ts > TAP > checkArrival decides every case in the table > verdicts 1`] = `
Array [
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts a good arrival before the pass",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts a good arrival after the pass",
  },
  Object {
    "case": "rejects an account that is not a service in hub.yaml",
    "code": "ARRIVAL_UNKNOWN_SERVICE",
    "message": "'wiki' is not a service in hub.yaml",
    "wantFull": null,
  },
  Object {
    "case": "rejects an arrival that is a symlink, not a folder",
    "code": "ARRIVAL_NOT_A_FILE",
    "message": "the arrival '20261122T030000Z-full' is not a folder",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest larger than the cap, unread",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json has 2000000 bytes, more than the limit of 1048576; not read",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest.json that is a symlink",
    "code": "ARRIVAL_NOT_A_FILE",
    "message": "manifest.json is not a regular file",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest that fails the schema",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: at '(top level)': unrecognized key: 'extra'",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest for another service (signed by that service's key)",
    "code": "ARRIVAL_WRONG_SERVICE",
    "message": "manifest.json is for service 'blog' but arrived in the incoming of 'wiki'",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest whose generation is not its folder",
    "code": "ARRIVAL_WRONG_FOLDER",
    "message": "manifest.json is for generation 20261122T030000Z-full but arrived in folder '20261122T040000Z-full'",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest edited after signing",
    "code": "ARRIVAL_BAD_SIGNATURE",
    "message": "manifest.json: the signature does not verify with the key registered for service 'wiki' in hub.yaml",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest signed by another service's key",
    "code": "ARRIVAL_BAD_SIGNATURE",
    "message": "manifest.json: the signature does not verify with the key registered for service 'wiki' in hub.yaml",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects when the registered key is not a valid key",
    "code": "ARRIVAL_BAD_SIGNATURE",
    "message": "manifest.json: the signature does not verify with the key registered for service 'wiki' in hub.yaml",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a kind that does not match the generation id",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: kind 'diff' does not match generation 20261122T030000Z-full",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a full that names a base",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: a full generation has no base or parent",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a diff without a base",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: a diff names its base (a full) and no parent",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a diff whose base is not a full",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: base 20261121T030000Z-incr is not a full",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a base that is not older",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: 20261123T030000Z-full is not older than 20261122T030000Z-diff",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects an archive this hub cannot store (compressed)",
    "code": "ARRIVAL_UNSUPPORTED",
    "message": "manifest.json says compression 'zstd' for an unencrypted generation; this hub takes one uncompressed data.tar and compresses it itself",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a generation id already in the store",
    "code": "ARRIVAL_REPLAYED",
    "message": "generation 20261122T030000Z-full of 'wiki' is already in the store",
    "wantFull": null,
  },
  Object {
    "case": "rejects a replay of a stored generation with no pending accept",
    "code": "ARRIVAL_REPLAYED",
    "message": "generation 20261122T030000Z-full of 'wiki' is already in the store",
    "wantFull": null,
  },
  Object {
    "accepted": true,
    "alreadyStored": true,
    "case": "finishes an accept a crash interrupted after the store rename",
  },
  Object {
    "case": "rejects a diff whose base is not stored (asks for a full)",
    "code": "ARRIVAL_MISSING_BASE",
    "message": "diff 20261122T030000Z-diff builds on 20261119T030000Z-full, which is not in the store; the next run must be a full",
    "wantFull": "missing-base",
  },
  Object {
    "case": "rejects an incr whose parent is not stored",
    "code": "ARRIVAL_MISSING_BASE",
    "message": "incr 20261122T030000Z-incr builds on 20261121T040000Z-incr, which is not in the store; the next run must be a full",
    "wantFull": "missing-base",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts a diff whose base is stored",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts an incr whose parent is stored",
  },
  Object {
    "case": "rejects an incr while the hub wants a full after a reset",
    "code": "ARRIVAL_FULL_REQUIRED",
    "message": "incr 20261122T030000Z-incr was not accepted: the hub wants a full because the service was reset at 2026-11-21T12:00:00.000Z; the next run must be a full",
    "wantFull": null,
  },
  Object {
    "case": "rejects a diff while the hub wants a full after a rejected arrival",
    "code": "ARRIVAL_FULL_REQUIRED",
    "message": "diff 20261122T030000Z-diff was not accepted: the hub wants a full because an earlier arrival was rejected; the next run must be a full",
    "wantFull": null,
  },
  Object {
    "case": "rejects an incr while an older status.json asks for a full without a reason",
    "code": "ARRIVAL_FULL_REQUIRED",
    "message": "incr 20261122T030000Z-incr was not accepted: the hub wants a full because its status.json asks for one; the next run must be a full",
    "wantFull": null,
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts a full while the hub wants one",
  },
  Object {
    "case": "rejects an incr whose parent is in the archive of a reset",
    "code": "ARRIVAL_MISSING_BASE",
    "message": "incr 20261122T030000Z-incr builds on 20261121T030000Z-incr, which was accepted before the service was reset at 2026-11-21T12:00:00.000Z and belongs to its archive; the next run must be a full",
    "wantFull": "missing-base",
  },
  Object {
    "case": "rejects a diff whose base is in the archive of a reset",
    "code": "ARRIVAL_MISSING_BASE",
    "message": "diff 20261122T030000Z-diff builds on 20261120T030000Z-full, which was accepted before the service was reset at 2026-11-21T12:00:00.000Z and belongs to its archive; the next run must be a full",
    "wantFull": "missing-base",
  },
  Object {
    "case": "rejects data.tar as a symlink",
    "code": "ARRIVAL_NOT_A_FILE",
    "message": "'data.tar' in the arrival is a symlink, not a regular file",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a subfolder in the arrival",
    "code": "ARRIVAL_NOT_A_FILE",
    "message": "'sub' in the arrival is a dir, not a regular file",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a file the manifest does not list",
    "code": "ARRIVAL_EXTRA_FILE",
    "message": "'evil.sh' is in the arrival but not in manifest.json",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a missing data.tar",
    "code": "ARRIVAL_MISSING_FILE",
    "message": "manifest.json lists 'data.tar' but the arrival has no such file",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a data.tar of the wrong size",
    "code": "ARRIVAL_SIZE_MISMATCH",
    "message": "'data.tar' has 512 bytes; manifest.json says 10240",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a data.tar that read as another size",
    "code": "ARRIVAL_SIZE_MISMATCH",
    "message": "'data.tar' read as 512 bytes; manifest.json says 10240",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a data.tar whose sha256 differs",
    "code": "ARRIVAL_HASH_MISMATCH",
    "message": "'data.tar' has sha256 cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd; manifest.json says abababababababababababababababababababababababababababababababab",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a data.tar that tar cannot list",
    "code": "ARRIVAL_NOT_A_TAR",
    "message": "'data.tar' is not a readable tar archive: tar: Unexpected EOF in archive",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a listing whose counts differ from the manifest",
    "code": "ARRIVAL_COUNT_MISMATCH",
    "message": "'data.tar' lists 9 entries; manifest.json says 10",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects counts whose archive bytes differ from the tar",
    "code": "ARRIVAL_COUNT_MISMATCH",
    "message": "'data.tar' has 10240 bytes before compression; manifest.json's counts say 9999",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a generation that would exceed the quota",
    "code": "ARRIVAL_OVER_QUOTA",
    "message": "'wiki' would hold 7.8 KiB with this generation; its quota is 7.8 KiB",
    "wantFull": "rejected",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts a generation that fills the quota exactly",
  },
  Object {
    "case": "rejects a plain archive whose pass gave no listing",
    "code": "ARRIVAL_NOT_A_TAR",
    "message": "'data.tar' is not a readable tar archive",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a plain manifest listing data.tar.zst.age",
    "code": "ARRIVAL_UNSUPPORTED",
    "message": "manifest.json lists 'data.tar.zst.age' for an unencrypted generation; this hub takes one uncompressed data.tar",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects a manifest listing two archives",
    "code": "ARRIVAL_UNSUPPORTED",
    "message": "manifest.json lists 2 files; this hub stores one archive per generation (data.tar, or data.tar.zst.age when encrypted)",
    "wantFull": "rejected",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts an encrypted arrival before the pass",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts an encrypted arrival after the pass: no listing, counts unchecked",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts an encrypted incr whose parent is stored",
  },
  Object {
    "case": "rejects an encrypted manifest that names no recipient",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json says the archive is encrypted but names no recipient; an encrypted generation names every recipient by fingerprint",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects an encrypted manifest naming a recipient by key, not fingerprint",
    "code": "ARRIVAL_BAD_MANIFEST",
    "message": "manifest.json: recipient 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' is not a fingerprint like age:0123456789abcdef",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects an encrypted manifest claiming compression none",
    "code": "ARRIVAL_UNSUPPORTED",
    "message": "manifest.json says compression 'none' for an encrypted generation; data.tar.zst.age is compressed with zstd before age encrypts it",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects an encrypted manifest listing data.tar",
    "code": "ARRIVAL_UNSUPPORTED",
    "message": "manifest.json lists 'data.tar' for an encrypted generation; this hub takes one data.tar.zst.age (tar, zstd, then age)",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects an encrypted arrival that also holds a data.tar",
    "code": "ARRIVAL_EXTRA_FILE",
    "message": "'data.tar' is in the arrival but not in manifest.json",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects an encrypted arrival without its data.tar.zst.age",
    "code": "ARRIVAL_MISSING_FILE",
    "message": "manifest.json lists 'data.tar.zst.age' but the arrival has no such file",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects ciphertext whose sha256 differs",
    "code": "ARRIVAL_HASH_MISMATCH",
    "message": "'data.tar.zst.age' has sha256 cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd; manifest.json says efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects ciphertext that read as another size",
    "code": "ARRIVAL_SIZE_MISMATCH",
    "message": "'data.tar.zst.age' read as 4320 bytes; manifest.json says 4321",
    "wantFull": "rejected",
  },
  Object {
    "case": "rejects ciphertext that would exceed the quota",
    "code": "ARRIVAL_OVER_QUOTA",
    "message": "'wiki' would hold 10.0 KiB with this generation; its quota is 10.0 KiB",
    "wantFull": "rejected",
  },
  Object {
    "accepted": true,
    "alreadyStored": false,
    "case": "accepts ciphertext that fills the quota exactly",
  },
]
`

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/lib/restore/list.test.ts > TAP > renderListing: mode owner size mtime path, aligned > must match snapshot 1`] = `
drwxr-xr-x root/root              0 2026-01-02T03:04:05.678Z /srv/wiki/
-rw-r--r-- www-data/www-data 123456 2026-01-02T03:04:05.678Z /srv/wiki/big.bin
-rw-r--r-- 1000/1000              7 2026-01-02T03:04:05.678Z /srv/wiki/new\\nline
lrwxrwxrwx root/root              0 2026-01-02T03:04:05.678Z /srv/wiki/link -> ../x
hrw-r--r-- root/root              7 2026-01-02T03:04:05.678Z /srv/wiki/hard link to /srv/wiki/new\\nline
`

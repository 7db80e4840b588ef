/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/hub/status.test.ts > TAP > describeStatus renders a readable table > status text 1`] = `
SERVICE  LAST GENERATION        AGE    EVERY  LATE  STORED   GENS  PINNED  REJECTS  LAST REJECT
blog     20261122T010000Z-full  5h 0m  1h 0m  LATE  5.0 MiB  1     2       1        ARRIVAL_BAD_SIGNATURE at 2026-11-22T05:00:00.000Z: manifest.json: the signature does not verify
wiki     20261122T030000Z-full  3h 0m  1d 0h  no    3.0 KiB  1     0       0        -
new      none yet               -      1d 0h  no    0 B      0     0       0        -
blog: the hub wants a full (rejected)
blog: ALERT burst: 9 arrivals in 40m 0s, expected 1 per 1h (more than 4 within 1h is a burst); removals of generations accepted before 2026-11-22T00:40:00.000Z are held
wiki: VERIFY FAILED (restore test of 20261122T030000Z-full at 2026-11-22T04:10:00.000Z): /srv/wiki/a.txt: content differs (and 2 more) [VERIFY_FAILED]
verify: restore test every 7d 0h, next due 2026-11-29T04:00:00.000Z; last restore test 2026-11-22T04:00:00.000Z (serve): 1 of 3 services FAILED

MIRROR   SERIAL  LAG  LAST CONTACT  BEHIND  NOTE
offsite  -       -    -             no      no trace yet

index: serial 7, published 2026-11-22T03:00:01.000Z
store: /srv/roost/store: 10.0 GiB free of 100.0 GiB

`

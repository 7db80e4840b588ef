/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/kind.test.ts > TAP > chooseKind: the reasons read well (golden) > reasons 1`] = `
no history: a full: no full generation yet on this host
the hub wants a full, whatever the policy says: the hub asks for a full (its status.json says wantFull)
the hub wants a full even over --kind incr (a warning): the hub asks for a full (its status.json says wantFull) (--kind incr cannot be made)
policy between incr: an incr on the newest generation: policy: incr between fulls (the newest full is 3d 0h old)
policy between diff: a diff on the newest full: policy: diff between fulls (the newest full is 3d 0h old)
policy between full: always a full: policy: a full every run (the newest full is 3d 0h old)
an incr after a diff builds on the diff: policy: incr between fulls (the newest full is 3d 0h old)
the newest full is fullEvery old: a full: the newest full 20261112T030000Z-full is 10d 0h old (fullEvery 7d 0h)
exactly fullEvery old counts as old: the newest full 20261115T030000Z-full is 7d 0h old (fullEvery 7d 0h)
a second under fullEvery is not old yet: policy: incr between fulls (the newest full is 6d 23h old)
--kind wins over an old full: --kind incr requested
--kind diff on the newest full: --kind diff requested
--kind full wins over the policy: --kind full requested
the newest full was rejected: a full, even for --kind diff: the newest full 20261119T030000Z-full was rejected by the hub (--kind diff cannot be made)
the newest full's snapshot is gone: a full: the snapshot of the newest full 20261119T030000Z-full is missing
a rejected incr is never a parent: policy: incr between fulls (the newest full is 3d 0h old)
an incr without its snapshot is skipped for an older one: policy: incr between fulls (the newest full is 3d 0h old)
a pending generation can be a parent: policy: incr between fulls (the newest full is 3d 0h old)
a generation older than the newest full is never a parent: policy: incr between fulls (the newest full is 4d 0h old)
history in any order: policy: incr between fulls (the newest full is 3d 0h old)
a spoke clock a second behind the newest full: no new full (the new id waits the second out): policy: incr between fulls (the newest full is 0s old)
a spoke clock a day behind the newest full: a full (an incr would be older than its parent): no full generation on this host dated before its clock (1 dated ahead of it: the clock went back?)
generations dated ahead of the clock are skipped for an older full: policy: incr between fulls (the newest full is 3d 0h old)
`

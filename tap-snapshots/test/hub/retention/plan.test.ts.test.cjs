/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/hub/retention/plan.test.ts > TAP > a flood of 100 arrivals in an hour after a year of dailies removes nothing older than the flood > the end of the year and the flood 1`] = `
20260220T030000Z-full  2026-02-20T03:00:09.000Z  keep    daily 2026-02-20
20260221T030000Z-full  2026-02-21T03:00:09.000Z  keep    daily 2026-02-21
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    daily 2026-02-22; weekly 2026-W08
20260223T030000Z-full  2026-02-23T03:00:09.000Z  keep    daily 2026-02-23
20260224T030000Z-full  2026-02-24T03:00:09.000Z  keep    daily 2026-02-24
20260225T030000Z-full  2026-02-25T03:00:09.000Z  keep    daily 2026-02-25
20260226T030000Z-full  2026-02-26T03:00:09.000Z  keep    daily 2026-02-26
20260227T030000Z-full  2026-02-27T03:00:09.000Z  keep    daily 2026-02-27
20260228T030000Z-full  2026-02-28T03:00:09.000Z  keep    held: a burst began at 2026-02-28T10:01:30.000Z
20010101T000000Z-full  2026-02-28T10:00:00.000Z  keep    held: a burst began at 2026-02-28T10:01:30.000Z; needed by 20010101T000030Z-incr
20010101T000030Z-incr  2026-02-28T10:00:30.000Z  keep    held: a burst began at 2026-02-28T10:01:30.000Z
20010101T000100Z-full  2026-02-28T10:01:00.000Z  keep    held: a burst began at 2026-02-28T10:01:30.000Z
20010101T000130Z-incr  2026-02-28T10:01:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000200Z-full  2026-02-28T10:02:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000230Z-incr  2026-02-28T10:02:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000300Z-full  2026-02-28T10:03:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000330Z-incr  2026-02-28T10:03:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000400Z-full  2026-02-28T10:04:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000430Z-incr  2026-02-28T10:04:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000500Z-full  2026-02-28T10:05:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000530Z-incr  2026-02-28T10:05:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000600Z-full  2026-02-28T10:06:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000630Z-incr  2026-02-28T10:06:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000700Z-full  2026-02-28T10:07:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000730Z-incr  2026-02-28T10:07:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000800Z-full  2026-02-28T10:08:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000830Z-incr  2026-02-28T10:08:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000900Z-full  2026-02-28T10:09:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T000930Z-incr  2026-02-28T10:09:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001000Z-full  2026-02-28T10:10:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001030Z-incr  2026-02-28T10:10:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001100Z-full  2026-02-28T10:11:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001130Z-incr  2026-02-28T10:11:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001200Z-full  2026-02-28T10:12:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001230Z-incr  2026-02-28T10:12:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001300Z-full  2026-02-28T10:13:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001330Z-incr  2026-02-28T10:13:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001400Z-full  2026-02-28T10:14:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001430Z-incr  2026-02-28T10:14:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001500Z-full  2026-02-28T10:15:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001530Z-incr  2026-02-28T10:15:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001600Z-full  2026-02-28T10:16:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001630Z-incr  2026-02-28T10:16:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001700Z-full  2026-02-28T10:17:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001730Z-incr  2026-02-28T10:17:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001800Z-full  2026-02-28T10:18:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001830Z-incr  2026-02-28T10:18:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001900Z-full  2026-02-28T10:19:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T001930Z-incr  2026-02-28T10:19:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002000Z-full  2026-02-28T10:20:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002030Z-incr  2026-02-28T10:20:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002100Z-full  2026-02-28T10:21:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002130Z-incr  2026-02-28T10:21:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002200Z-full  2026-02-28T10:22:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002230Z-incr  2026-02-28T10:22:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002300Z-full  2026-02-28T10:23:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002330Z-incr  2026-02-28T10:23:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002400Z-full  2026-02-28T10:24:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002430Z-incr  2026-02-28T10:24:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002500Z-full  2026-02-28T10:25:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002530Z-incr  2026-02-28T10:25:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002600Z-full  2026-02-28T10:26:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002630Z-incr  2026-02-28T10:26:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002700Z-full  2026-02-28T10:27:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002730Z-incr  2026-02-28T10:27:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002800Z-full  2026-02-28T10:28:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002830Z-incr  2026-02-28T10:28:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002900Z-full  2026-02-28T10:29:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T002930Z-incr  2026-02-28T10:29:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003000Z-full  2026-02-28T10:30:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003030Z-incr  2026-02-28T10:30:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003100Z-full  2026-02-28T10:31:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003130Z-incr  2026-02-28T10:31:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003200Z-full  2026-02-28T10:32:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003230Z-incr  2026-02-28T10:32:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003300Z-full  2026-02-28T10:33:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003330Z-incr  2026-02-28T10:33:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003400Z-full  2026-02-28T10:34:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003430Z-incr  2026-02-28T10:34:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003500Z-full  2026-02-28T10:35:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003530Z-incr  2026-02-28T10:35:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003600Z-full  2026-02-28T10:36:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003630Z-incr  2026-02-28T10:36:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003700Z-full  2026-02-28T10:37:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003730Z-incr  2026-02-28T10:37:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003800Z-full  2026-02-28T10:38:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003830Z-incr  2026-02-28T10:38:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003900Z-full  2026-02-28T10:39:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T003930Z-incr  2026-02-28T10:39:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004000Z-full  2026-02-28T10:40:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004030Z-incr  2026-02-28T10:40:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004100Z-full  2026-02-28T10:41:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004130Z-incr  2026-02-28T10:41:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004200Z-full  2026-02-28T10:42:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004230Z-incr  2026-02-28T10:42:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004300Z-full  2026-02-28T10:43:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004330Z-incr  2026-02-28T10:43:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004400Z-full  2026-02-28T10:44:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004430Z-incr  2026-02-28T10:44:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004500Z-full  2026-02-28T10:45:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004530Z-incr  2026-02-28T10:45:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004600Z-full  2026-02-28T10:46:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004630Z-incr  2026-02-28T10:46:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004700Z-full  2026-02-28T10:47:00.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004730Z-incr  2026-02-28T10:47:30.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20010101T004800Z-full  2026-02-28T10:48:00.000Z  keep    needed by 20010101T004830Z-incr
20010101T004830Z-incr  2026-02-28T10:48:30.000Z  keep    last 3
20010101T004900Z-full  2026-02-28T10:49:00.000Z  keep    last 3; needed by 20010101T004930Z-incr
20010101T004930Z-incr  2026-02-28T10:49:30.000Z  keep    newest; last 3; daily 2026-02-28; weekly 2026-W09; monthly 2026-02; yearly 2026
ALERT burst: 101 arrivals in 7h 49m, expected 1 per 1d (more than 4 within 1d is a burst); removals of generations accepted before 2026-02-28T10:01:30.000Z are held
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: a pinned incr keeps its chain, whatever the rules say > plan 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  no rule keeps it
20241220T030000Z-full  2024-12-20T03:00:09.000Z  remove  no rule keeps it
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  no rule keeps it
20250214T030000Z-full  2025-02-14T03:00:09.000Z  keep    needed by 20250215T030000Z-incr
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  keep    pinned at 2026-02-01T10:00:00.000Z: before the 2.0 upgrade
20250301T030000Z-full  2025-03-01T03:00:09.000Z  remove  no rule keeps it
20250401T030000Z-full  2025-04-01T03:00:09.000Z  remove  no rule keeps it
20250501T030000Z-full  2025-05-01T03:00:09.000Z  remove  no rule keeps it
20250601T030000Z-full  2025-06-01T03:00:09.000Z  remove  no rule keeps it
20250701T030000Z-full  2025-07-01T03:00:09.000Z  remove  no rule keeps it
20250801T030000Z-full  2025-08-01T03:00:09.000Z  remove  no rule keeps it
20250901T030000Z-full  2025-09-01T03:00:09.000Z  remove  no rule keeps it
20251001T030000Z-full  2025-10-01T03:00:09.000Z  remove  no rule keeps it
20251101T030000Z-full  2025-11-01T03:00:09.000Z  remove  no rule keeps it
20251201T030000Z-full  2025-12-01T03:00:09.000Z  remove  no rule keeps it
20260105T030000Z-full  2026-01-05T03:00:09.000Z  remove  no rule keeps it
20260112T030000Z-full  2026-01-12T03:00:09.000Z  remove  no rule keeps it
20260119T030000Z-full  2026-01-19T03:00:09.000Z  remove  no rule keeps it
20260126T030000Z-full  2026-01-26T03:00:09.000Z  remove  no rule keeps it
20260202T030000Z-full  2026-02-02T03:00:09.000Z  remove  no rule keeps it
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  remove  no rule keeps it
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  remove  no rule keeps it
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  no rule keeps it
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  no rule keeps it
20260215T030000Z-full  2026-02-15T03:00:09.000Z  remove  no rule keeps it
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  remove  no rule keeps it
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  remove  no rule keeps it
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  remove  no rule keeps it
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  remove  no rule keeps it
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  remove  no rule keeps it
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  remove  no rule keeps it
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  remove  no rule keeps it
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  remove  no rule keeps it
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  remove  no rule keeps it
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  remove  no rule keeps it
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  remove  no rule keeps it
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  remove  no rule keeps it
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: after a reset the old generations are an archive kept for \`archive\`, then removed > archive expired 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20241220T030000Z-full  2024-12-20T03:00:09.000Z  keep    pinned at 2026-01-02T00:00:00.000Z
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250214T030000Z-full  2025-02-14T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250301T030000Z-full  2025-03-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250401T030000Z-full  2025-04-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250501T030000Z-full  2025-05-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250601T030000Z-full  2025-06-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250701T030000Z-full  2025-07-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250801T030000Z-full  2025-08-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20250901T030000Z-full  2025-09-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20251001T030000Z-full  2025-10-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20251101T030000Z-full  2025-11-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20251201T030000Z-full  2025-12-01T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20260105T030000Z-full  2026-01-05T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20260112T030000Z-full  2026-01-12T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20260119T030000Z-full  2026-01-19T03:00:09.000Z  remove  archive of the reset at 2026-01-20T00:00:00.000Z, expired at 2026-02-19T00:00:00.000Z
20260126T030000Z-full  2026-01-26T03:00:09.000Z  keep    weekly 2026-W05; monthly 2026-01
20260202T030000Z-full  2026-02-02T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  keep    weekly 2026-W06
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20260215T030000Z-full  2026-02-15T03:00:09.000Z  keep    daily 2026-02-15; weekly 2026-W07; needed by 20260221T030000Z-incr
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  keep    daily 2026-02-16; needed by 20260221T030000Z-incr
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  keep    daily 2026-02-17; needed by 20260221T030000Z-incr
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  keep    daily 2026-02-18; needed by 20260221T030000Z-incr
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  keep    daily 2026-02-19; needed by 20260221T030000Z-incr
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  keep    daily 2026-02-20; needed by 20260221T030000Z-incr
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  keep    daily 2026-02-21
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    daily 2026-02-22; weekly 2026-W08; needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  keep    daily 2026-02-23; needed by 20260228T030000Z-incr
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  keep    daily 2026-02-24; needed by 20260228T030000Z-incr
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  keep    daily 2026-02-25; needed by 20260228T030000Z-incr
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  keep    daily 2026-02-26; needed by 20260228T030000Z-incr
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  keep    daily 2026-02-27; needed by 20260228T030000Z-incr
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  keep    last 3
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    last 3; needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest; last 3; daily 2026-02-28; weekly 2026-W09; monthly 2026-02; yearly 2026
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: after a reset the old generations are an archive kept for \`archive\`, then removed > archive kept 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20241220T030000Z-full  2024-12-20T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250110T030000Z-full  2025-01-10T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250214T030000Z-full  2025-02-14T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z; needed by 20250215T030000Z-incr
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250301T030000Z-full  2025-03-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250401T030000Z-full  2025-04-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250501T030000Z-full  2025-05-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250601T030000Z-full  2025-06-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250701T030000Z-full  2025-07-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250801T030000Z-full  2025-08-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20250901T030000Z-full  2025-09-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20251001T030000Z-full  2025-10-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20251101T030000Z-full  2025-11-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20251201T030000Z-full  2025-12-01T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20260105T030000Z-full  2026-01-05T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20260112T030000Z-full  2026-01-12T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20260119T030000Z-full  2026-01-19T03:00:09.000Z  keep    archive of the reset at 2026-01-20T00:00:00.000Z, kept until 2026-04-20T00:00:00.000Z
20260126T030000Z-full  2026-01-26T03:00:09.000Z  keep    weekly 2026-W05; monthly 2026-01
20260202T030000Z-full  2026-02-02T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  keep    weekly 2026-W06
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20260215T030000Z-full  2026-02-15T03:00:09.000Z  keep    daily 2026-02-15; weekly 2026-W07; needed by 20260221T030000Z-incr
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  keep    daily 2026-02-16; needed by 20260221T030000Z-incr
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  keep    daily 2026-02-17; needed by 20260221T030000Z-incr
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  keep    daily 2026-02-18; needed by 20260221T030000Z-incr
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  keep    daily 2026-02-19; needed by 20260221T030000Z-incr
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  keep    daily 2026-02-20; needed by 20260221T030000Z-incr
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  keep    daily 2026-02-21
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    daily 2026-02-22; weekly 2026-W08; needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  keep    daily 2026-02-23; needed by 20260228T030000Z-incr
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  keep    daily 2026-02-24; needed by 20260228T030000Z-incr
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  keep    daily 2026-02-25; needed by 20260228T030000Z-incr
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  keep    daily 2026-02-26; needed by 20260228T030000Z-incr
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  keep    daily 2026-02-27; needed by 20260228T030000Z-incr
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  keep    last 3
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    last 3; needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest; last 3; daily 2026-02-28; weekly 2026-W09; monthly 2026-02; yearly 2026
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: daily 7 and weekly 4 > plan 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20241220T030000Z-full  2024-12-20T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250214T030000Z-full  2025-02-14T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250301T030000Z-full  2025-03-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250401T030000Z-full  2025-04-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250501T030000Z-full  2025-05-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250601T030000Z-full  2025-06-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250701T030000Z-full  2025-07-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250801T030000Z-full  2025-08-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20250901T030000Z-full  2025-09-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20251001T030000Z-full  2025-10-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20251101T030000Z-full  2025-11-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20251201T030000Z-full  2025-12-01T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260105T030000Z-full  2026-01-05T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260112T030000Z-full  2026-01-12T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260119T030000Z-full  2026-01-19T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260126T030000Z-full  2026-01-26T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260202T030000Z-full  2026-02-02T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  keep    weekly 2026-W06
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260215T030000Z-full  2026-02-15T03:00:09.000Z  keep    weekly 2026-W07
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    daily 2026-02-22; weekly 2026-W08; needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  keep    daily 2026-02-23; needed by 20260227T030000Z-incr
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  keep    daily 2026-02-24; needed by 20260227T030000Z-incr
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  keep    daily 2026-02-25; needed by 20260227T030000Z-incr
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  keep    daily 2026-02-26; needed by 20260227T030000Z-incr
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  keep    daily 2026-02-27
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  remove  not kept by daily 7, weekly 4
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest; daily 2026-02-28; weekly 2026-W09
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: keep-last 5 only > plan 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  not kept by last 5
20241220T030000Z-full  2024-12-20T03:00:09.000Z  remove  not kept by last 5
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  not kept by last 5
20250214T030000Z-full  2025-02-14T03:00:09.000Z  remove  not kept by last 5
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  remove  not kept by last 5
20250301T030000Z-full  2025-03-01T03:00:09.000Z  remove  not kept by last 5
20250401T030000Z-full  2025-04-01T03:00:09.000Z  remove  not kept by last 5
20250501T030000Z-full  2025-05-01T03:00:09.000Z  remove  not kept by last 5
20250601T030000Z-full  2025-06-01T03:00:09.000Z  remove  not kept by last 5
20250701T030000Z-full  2025-07-01T03:00:09.000Z  remove  not kept by last 5
20250801T030000Z-full  2025-08-01T03:00:09.000Z  remove  not kept by last 5
20250901T030000Z-full  2025-09-01T03:00:09.000Z  remove  not kept by last 5
20251001T030000Z-full  2025-10-01T03:00:09.000Z  remove  not kept by last 5
20251101T030000Z-full  2025-11-01T03:00:09.000Z  remove  not kept by last 5
20251201T030000Z-full  2025-12-01T03:00:09.000Z  remove  not kept by last 5
20260105T030000Z-full  2026-01-05T03:00:09.000Z  remove  not kept by last 5
20260112T030000Z-full  2026-01-12T03:00:09.000Z  remove  not kept by last 5
20260119T030000Z-full  2026-01-19T03:00:09.000Z  remove  not kept by last 5
20260126T030000Z-full  2026-01-26T03:00:09.000Z  remove  not kept by last 5
20260202T030000Z-full  2026-02-02T03:00:09.000Z  remove  not kept by last 5
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  remove  not kept by last 5
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  remove  not kept by last 5
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  not kept by last 5
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  not kept by last 5
20260215T030000Z-full  2026-02-15T03:00:09.000Z  remove  not kept by last 5
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  remove  not kept by last 5
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  remove  not kept by last 5
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  remove  not kept by last 5
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  remove  not kept by last 5
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  remove  not kept by last 5
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  remove  not kept by last 5
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  keep    needed by 20260228T030000Z-incr
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  keep    needed by 20260228T030000Z-incr
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  keep    needed by 20260228T030000Z-incr
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  keep    last 5; needed by 20260228T030000Z-incr
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  keep    last 5; needed by 20260228T030000Z-incr
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  keep    last 5
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    last 5; needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest; last 5
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: last 1, monthly 6, yearly 2 > plan 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20241220T030000Z-full  2024-12-20T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250214T030000Z-full  2025-02-14T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250301T030000Z-full  2025-03-01T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250401T030000Z-full  2025-04-01T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250501T030000Z-full  2025-05-01T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250601T030000Z-full  2025-06-01T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250701T030000Z-full  2025-07-01T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250801T030000Z-full  2025-08-01T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20250901T030000Z-full  2025-09-01T03:00:09.000Z  keep    monthly 2025-09
20251001T030000Z-full  2025-10-01T03:00:09.000Z  keep    monthly 2025-10
20251101T030000Z-full  2025-11-01T03:00:09.000Z  keep    monthly 2025-11
20251201T030000Z-full  2025-12-01T03:00:09.000Z  keep    monthly 2025-12; yearly 2025
20260105T030000Z-full  2026-01-05T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260112T030000Z-full  2026-01-12T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260119T030000Z-full  2026-01-19T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260126T030000Z-full  2026-01-26T03:00:09.000Z  keep    monthly 2026-01
20260202T030000Z-full  2026-02-02T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260215T030000Z-full  2026-02-15T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  remove  not kept by last 1, monthly 6, yearly 2
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest; last 1; monthly 2026-02; yearly 2026
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: no rule at all: the newest and its chain > plan 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  no rule keeps it
20241220T030000Z-full  2024-12-20T03:00:09.000Z  remove  no rule keeps it
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  no rule keeps it
20250214T030000Z-full  2025-02-14T03:00:09.000Z  remove  no rule keeps it
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  remove  no rule keeps it
20250301T030000Z-full  2025-03-01T03:00:09.000Z  remove  no rule keeps it
20250401T030000Z-full  2025-04-01T03:00:09.000Z  remove  no rule keeps it
20250501T030000Z-full  2025-05-01T03:00:09.000Z  remove  no rule keeps it
20250601T030000Z-full  2025-06-01T03:00:09.000Z  remove  no rule keeps it
20250701T030000Z-full  2025-07-01T03:00:09.000Z  remove  no rule keeps it
20250801T030000Z-full  2025-08-01T03:00:09.000Z  remove  no rule keeps it
20250901T030000Z-full  2025-09-01T03:00:09.000Z  remove  no rule keeps it
20251001T030000Z-full  2025-10-01T03:00:09.000Z  remove  no rule keeps it
20251101T030000Z-full  2025-11-01T03:00:09.000Z  remove  no rule keeps it
20251201T030000Z-full  2025-12-01T03:00:09.000Z  remove  no rule keeps it
20260105T030000Z-full  2026-01-05T03:00:09.000Z  remove  no rule keeps it
20260112T030000Z-full  2026-01-12T03:00:09.000Z  remove  no rule keeps it
20260119T030000Z-full  2026-01-19T03:00:09.000Z  remove  no rule keeps it
20260126T030000Z-full  2026-01-26T03:00:09.000Z  remove  no rule keeps it
20260202T030000Z-full  2026-02-02T03:00:09.000Z  remove  no rule keeps it
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  remove  no rule keeps it
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  remove  no rule keeps it
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  no rule keeps it
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  no rule keeps it
20260215T030000Z-full  2026-02-15T03:00:09.000Z  remove  no rule keeps it
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  remove  no rule keeps it
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  remove  no rule keeps it
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  remove  no rule keeps it
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  remove  no rule keeps it
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  remove  no rule keeps it
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  remove  no rule keeps it
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  remove  no rule keeps it
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  remove  no rule keeps it
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  remove  no rule keeps it
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  remove  no rule keeps it
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  remove  no rule keeps it
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  remove  no rule keeps it
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest
`

exports[`test/hub/retention/plan.test.ts > TAP > golden plan: the defaults (last 3, daily 14, weekly 8, monthly 12, yearly 5) > plan 1`] = `
20240615T030000Z-full  2024-06-15T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20241220T030000Z-full  2024-12-20T03:00:09.000Z  keep    yearly 2024
20250110T030000Z-full  2025-01-10T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20250214T030000Z-full  2025-02-14T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20250215T030000Z-incr  2025-02-15T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20250301T030000Z-full  2025-03-01T03:00:09.000Z  keep    monthly 2025-03
20250401T030000Z-full  2025-04-01T03:00:09.000Z  keep    monthly 2025-04
20250501T030000Z-full  2025-05-01T03:00:09.000Z  keep    monthly 2025-05
20250601T030000Z-full  2025-06-01T03:00:09.000Z  keep    monthly 2025-06
20250701T030000Z-full  2025-07-01T03:00:09.000Z  keep    monthly 2025-07
20250801T030000Z-full  2025-08-01T03:00:09.000Z  keep    monthly 2025-08
20250901T030000Z-full  2025-09-01T03:00:09.000Z  keep    monthly 2025-09
20251001T030000Z-full  2025-10-01T03:00:09.000Z  keep    monthly 2025-10
20251101T030000Z-full  2025-11-01T03:00:09.000Z  keep    monthly 2025-11
20251201T030000Z-full  2025-12-01T03:00:09.000Z  keep    monthly 2025-12; yearly 2025
20260105T030000Z-full  2026-01-05T03:00:09.000Z  keep    weekly 2026-W02
20260112T030000Z-full  2026-01-12T03:00:09.000Z  keep    weekly 2026-W03
20260119T030000Z-full  2026-01-19T03:00:09.000Z  keep    weekly 2026-W04
20260126T030000Z-full  2026-01-26T03:00:09.000Z  keep    weekly 2026-W05; monthly 2026-01
20260202T030000Z-full  2026-02-02T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260203T030000Z-incr  2026-02-03T03:00:09.000Z  keep    needed by 20260204T030000Z-incr
20260204T030000Z-incr  2026-02-04T03:00:09.000Z  keep    weekly 2026-W06
20260209T030000Z-full  2026-02-09T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20260210T030000Z-diff  2026-02-10T03:00:09.000Z  remove  not kept by last 3, daily 14, weekly 8, monthly 12, yearly 5
20260215T030000Z-full  2026-02-15T03:00:09.000Z  keep    daily 2026-02-15; weekly 2026-W07; needed by 20260221T030000Z-incr
20260216T030000Z-incr  2026-02-16T03:00:09.000Z  keep    daily 2026-02-16; needed by 20260221T030000Z-incr
20260217T030000Z-incr  2026-02-17T03:00:09.000Z  keep    daily 2026-02-17; needed by 20260221T030000Z-incr
20260218T030000Z-incr  2026-02-18T03:00:09.000Z  keep    daily 2026-02-18; needed by 20260221T030000Z-incr
20260219T030000Z-incr  2026-02-19T03:00:09.000Z  keep    daily 2026-02-19; needed by 20260221T030000Z-incr
20260220T030000Z-incr  2026-02-20T03:00:09.000Z  keep    daily 2026-02-20; needed by 20260221T030000Z-incr
20260221T030000Z-incr  2026-02-21T03:00:09.000Z  keep    daily 2026-02-21
20260222T030000Z-full  2026-02-22T03:00:09.000Z  keep    daily 2026-02-22; weekly 2026-W08; needed by 20260228T180000Z-incr
20260223T030000Z-incr  2026-02-23T03:00:09.000Z  keep    daily 2026-02-23; needed by 20260228T030000Z-incr
20260224T030000Z-incr  2026-02-24T03:00:09.000Z  keep    daily 2026-02-24; needed by 20260228T030000Z-incr
20260225T030000Z-incr  2026-02-25T03:00:09.000Z  keep    daily 2026-02-25; needed by 20260228T030000Z-incr
20260226T030000Z-incr  2026-02-26T03:00:09.000Z  keep    daily 2026-02-26; needed by 20260228T030000Z-incr
20260227T030000Z-incr  2026-02-27T03:00:09.000Z  keep    daily 2026-02-27; needed by 20260228T030000Z-incr
20260228T030000Z-incr  2026-02-28T03:00:09.000Z  keep    last 3
20260228T120000Z-diff  2026-02-28T12:00:09.000Z  keep    last 3; needed by 20260228T180000Z-incr
20260228T180000Z-incr  2026-02-28T18:00:09.000Z  keep    newest; last 3; daily 2026-02-28; weekly 2026-W09; monthly 2026-02; yearly 2026
`

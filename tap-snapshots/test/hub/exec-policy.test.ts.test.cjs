/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/hub/exec-policy.test.ts > TAP > exec policy: commands → decisions > decision table 1`] = `
Array [
  Object {
    "account": "service:wiki",
    "command": "rsync --server -logDtpre.iLsfxCIvu --partial-dir .rsync-partial --copy-dest=/.basis . /20261122T030000Z-full/",
    "decision": Object {
      "allow": true,
      "argv": Array [
        "/usr/bin/rrsync",
        "-wo",
        "-no-del",
        "/hub/accounts/wiki/incoming",
      ],
      "env": Object {
        "SSH_ORIGINAL_COMMAND": "rsync --server -logDtpre.iLsfxCIvu --partial-dir .rsync-partial --copy-dest=/.basis . /20261122T030000Z-full/",
      },
    },
    "what": "service uploads into its incoming",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server --sender -logDtpre.iLsfxCIvu . /status.json",
    "decision": Object {
      "allow": true,
      "argv": Array [
        "/usr/bin/rrsync",
        "-ro",
        "/hub/store/wiki",
      ],
      "env": Object {
        "SSH_ORIGINAL_COMMAND": "rsync --server --sender -logDtpre.iLsfxCIvu . /status.json",
      },
    },
    "what": "service reads its own store folder",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server --sender -logDtpr . /",
    "decision": Object {
      "allow": true,
      "argv": Array [
        "/usr/bin/rrsync",
        "-ro",
        "/hub/store/wiki",
      ],
      "env": Object {
        "SSH_ORIGINAL_COMMAND": "rsync --server --sender -logDtpr . /",
      },
    },
    "what": "service lists its store folder",
  },
  Object {
    "account": "mirror:m1",
    "command": "rsync --server --sender -logDtpre.iLsfxCIvu . /TREE.json",
    "decision": Object {
      "allow": true,
      "argv": Array [
        "/usr/bin/rrsync",
        "-ro",
        "/hub/store",
      ],
      "env": Object {
        "SSH_ORIGINAL_COMMAND": "rsync --server --sender -logDtpre.iLsfxCIvu . /TREE.json",
      },
    },
    "what": "mirror reads the whole store",
  },
  Object {
    "account": "mirror:m1",
    "command": "rsync --server -tre.iLsfxCIvu . /TRACE.json",
    "decision": Object {
      "allow": true,
      "argv": Array [
        "/usr/bin/rrsync",
        "-wo",
        "-no-del",
        "/hub/accounts/m1/trace",
      ],
      "env": Object {
        "SSH_ORIGINAL_COMMAND": "rsync --server --max-size=65536 -tre.iLsfxCIvu . /TRACE.json",
      },
    },
    "what": "mirror writes only into its own trace area, capped",
  },
  Object {
    "account": "mirror:m1",
    "command": "roost-watch-tree",
    "decision": Object {
      "allow": true,
      "builtin": "watch-tree",
      "store": "/hub/store",
    },
    "what": "mirror watches the index",
  },
  Object {
    "account": "service:wiki",
    "command": "sh -c id",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'sh'); shells and other commands are not available",
    },
    "what": "a shell is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got ''); shells and other commands are not available",
    },
    "what": "an empty command is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync -a / /tmp",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'rsync'); shells and other commands are not available",
    },
    "what": "rsync without --server is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync -v --server . /",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'rsync'); shells and other commands are not available",
    },
    "what": "--server must be the second word",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync\\t--server . /",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'rsync\\t--server'); shells and other commands are not available",
    },
    "what": "a tab instead of a space is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'rsync'); shells and other commands are not available",
    },
    "what": "rsync --server alone is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "/usr/bin/rsync --server . /",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got '/usr/bin/rsync'); shells and other commands are not available",
    },
    "what": "a full path to rsync is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server -logDtpr --sender . /",
    "decision": Object {
      "allow": false,
      "reason": "'--sender' must come right after 'rsync --server'",
    },
    "what": "--sender in another position is refused",
  },
  Object {
    "account": "service:wiki",
    "command": String(
      rsync --server . /
      id
    ),
    "decision": Object {
      "allow": false,
      "reason": "the command contains a NUL byte or a line break",
    },
    "what": "a newline is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server . /\\rid",
    "decision": Object {
      "allow": false,
      "reason": "the command contains a NUL byte or a line break",
    },
    "what": "a carriage return is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server . /\\u0000id",
    "decision": Object {
      "allow": false,
      "reason": "the command contains a NUL byte or a line break",
    },
    "what": "a NUL byte is refused",
  },
  Object {
    "account": "service:../wiki",
    "command": "rsync --server -logDtpre.iLsfxCIvu --partial-dir .rsync-partial --copy-dest=/.basis . /20261122T030000Z-full/",
    "decision": Object {
      "allow": false,
      "reason": "account name '../wiki' is not valid",
    },
    "what": "a bad account name is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "true",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'true'); shells and other commands are not available",
    },
    "what": "the true probe is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "scp -t /",
    "decision": Object {
      "allow": false,
      "reason": "this account may only run rsync for roost (got 'scp'); shells and other commands are not available",
    },
    "what": "scp is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server -tre.iLsfxCIvu --partial-dir .rsync-partial --delay-updates . /20261122T030000Z-full/",
    "decision": Object {
      "allow": false,
      "reason": "--delay-updates with --partial-dir loses every file under rrsync (the partial dir becomes absolute); upload without --delay-updates",
    },
    "what": "an upload with --delay-updates and --partial-dir is refused",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial --delay-updates . /20261122T030000Z-full/",
    "decision": Object {
      "allow": false,
      "reason": "--delay-updates with --partial-dir loses every file under rrsync (the partial dir becomes absolute); upload without --delay-updates",
    },
    "what": "… also with --partial-dir=DIR",
  },
  Object {
    "account": "service:wiki",
    "command": "rsync --server --sender -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial --delay-updates . /status.json",
    "decision": Object {
      "allow": true,
      "argv": Array [
        "/usr/bin/rrsync",
        "-ro",
        "/hub/store/wiki",
      ],
      "env": Object {
        "SSH_ORIGINAL_COMMAND": "rsync --server --sender -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial --delay-updates . /status.json",
      },
    },
    "what": "a download with --delay-updates and --partial-dir is fine",
  },
]
`

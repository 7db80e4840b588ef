/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/hub/hub-yaml.test.ts > TAP > writing the loaded config back gives the same config (durations are not read as seconds) > hub.yaml values 1`] = `
Object {
  "ingest": Object {
    "parallel": 2,
  },
  "keys": Object {
    "host": "keys/host_ed25519",
    "index": "keys/index_ed25519",
  },
  "limits": Object {
    "keepaliveCountMax": 4,
    "keepaliveInterval": "15s",
    "loginGraceTime": "20s",
    "maxAuthTries": 3,
    "maxConnections": 256,
    "maxUnauthenticated": 32,
  },
  "listen": Object {
    "host": "127.0.0.1",
    "port": 2222,
  },
  "mirrors": Object {},
  "prune": Object {
    "every": "1h",
  },
  "retention": Object {
    "archive": "90d",
    "burst": 4,
    "daily": 7,
    "keepLast": 3,
    "monthly": 12,
    "weekly": 8,
    "yearly": 5,
  },
  "root": ".",
  "rrsync": "/usr/bin/rrsync",
  "services": Object {
    "blog": Object {
      "every": "1d",
      "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC++UWLTC9PyBAlpUkTjqoMLnnluSOjEEK6ZNdLFmGD3",
    },
    "wiki": Object {
      "every": "36h",
      "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC++UWLTC9PyBAlpUkTjqoMLnnluSOjEEK6ZNdLFmGD3",
      "quota": "50G",
      "retention": Object {
        "archive": "30d",
        "keepLast": 10,
      },
    },
  },
}
`

/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/spoke/upload.test.ts > TAP > the upload argv: data.tar against the basis of its kind, stats on (golden) > upload argv 1`] = `
Array [
  "rsync",
  "--stats",
  "--ignore-times",
  "--recursive",
  "--times",
  "--partial",
  "-e",
  "ssh -p 2222 -i /etc/roost/keys/spoke_ed25519 -l wiki -c aes128-gcm@openssh.com,chacha20-poly1305@openssh.com -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/roost/state/known_hosts -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=roost-upstream -o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ConnectTimeout=20 -o LogLevel=ERROR",
  "--compress",
  "--compress-choice=zstd",
  "--copy-dest=/.basis/last",
  "--bwlimit=20480",
  "--timeout=600",
  "--",
  "/etc/roost/state/generations/20261122T030000Z-incr/data.tar",
  "wiki@hub.example:/20261122T030000Z-incr/",
]
`

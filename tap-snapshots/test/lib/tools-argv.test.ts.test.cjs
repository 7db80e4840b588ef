/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > rsync list 1`] = `
Array [
  "rsync",
  "--list-only",
  "-e",
  "ssh -p 2222 -i /etc/roost/keys/spoke_ed25519 -l wiki -c aes128-gcm@openssh.com,chacha20-poly1305@openssh.com -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/var/lib/roost/state/known_hosts -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=roost-upstream -o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ConnectTimeout=20 -o LogLevel=ERROR",
  "--",
  "wiki@hub.example:/",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > rsync pull 1`] = `
Array [
  "rsync",
  "--recursive",
  "--times",
  "--partial-dir=.rsync-partial",
  "--delay-updates",
  "-e",
  "ssh -p 2222 -i /etc/roost/keys/spoke_ed25519 -l wiki -c aes128-gcm@openssh.com,chacha20-poly1305@openssh.com -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/var/lib/roost/state/known_hosts -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=roost-upstream -o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ConnectTimeout=20 -o LogLevel=ERROR",
  "--timeout=600",
  "--",
  "wiki@hub.example:/TREE.json",
  ":/TREE.json.sig",
  "/m/staging/",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > rsync push 1`] = `
Array [
  "rsync",
  "--recursive",
  "--times",
  "--partial",
  "-e",
  "ssh -p 2222 -i /etc/roost/keys/spoke_ed25519 -l wiki -c aes128-gcm@openssh.com,chacha20-poly1305@openssh.com -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/var/lib/roost/state/known_hosts -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=roost-upstream -o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ConnectTimeout=20 -o LogLevel=ERROR",
  "--compress",
  "--compress-choice=zstd",
  "--copy-dest=/.basis",
  "--bwlimit=1000",
  "--timeout=600",
  "--",
  "/s/gen/data.tar",
  "wiki@hub.example:/20261122T030000Z-full/",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > ssh 1`] = `
Array [
  "ssh",
  "-p",
  "2222",
  "-i",
  "/etc/roost/keys/spoke_ed25519",
  "-l",
  "wiki",
  "-c",
  "aes128-gcm@openssh.com,chacha20-poly1305@openssh.com",
  "-o",
  "IdentitiesOnly=yes",
  "-o",
  "IdentityAgent=none",
  "-o",
  "BatchMode=yes",
  "-o",
  "PasswordAuthentication=no",
  "-o",
  "KbdInteractiveAuthentication=no",
  "-o",
  "StrictHostKeyChecking=yes",
  "-o",
  "UserKnownHostsFile=/var/lib/roost/state/known_hosts",
  "-o",
  "GlobalKnownHostsFile=/dev/null",
  "-o",
  "HostKeyAlias=roost-upstream",
  "-o",
  "ForwardAgent=no",
  "-o",
  "ForwardX11=no",
  "-o",
  "ClearAllForwardings=yes",
  "-o",
  "ServerAliveInterval=15",
  "-o",
  "ServerAliveCountMax=4",
  "-o",
  "ConnectTimeout=20",
  "-o",
  "LogLevel=ERROR",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > tar create 1`] = `
Array [
  "tar",
  "--create",
  "--file=-",
  "--format=posix",
  "--acls",
  "--xattrs",
  "--xattrs-include=*",
  "--one-file-system",
  "--directory=/",
  "--exclude=*.tmp",
  "--anchored",
  "--exclude=srv/wiki/cache",
  "--no-anchored",
  "--",
  "srv/wiki",
  "var/lib/wiki",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > tar extract 1`] = `
Array [
  "tar",
  "--extract",
  "--file=-",
  "--listed-incremental=/dev/null",
  "--acls",
  "--xattrs",
  "--xattrs-include=*",
  "--preserve-permissions",
  "--directory=/restore/.stage",
  "--same-owner",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > tar list 1`] = `
Array [
  "tar",
  "--list",
  "--verbose",
  "--file=-",
  "--quoting-style=escape",
]
`

exports[`test/lib/tools-argv.test.ts > TAP > argv builders (golden) > zstd 1`] = `
Array [
  Array [
    "zstd",
    "-3",
    "-T0",
    "-q",
    "-c",
  ],
  Array [
    "zstd",
    "-d",
    "-q",
    "-c",
  ],
]
`

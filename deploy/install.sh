#!/bin/sh
# deploy/install.sh [--root DIR] ROLE…   (ROLE: hub, spoke, mirror; as root)
#
# Prepares a machine for roost's roles: the system user `roost` (no login, home
# /var/lib/roost), the folders with their owners and modes, the systemd units of the roles, the
# example configs, and /usr/local/bin/roost linked to this checkout's built binary. Safe to run
# again: what exists is kept (modes and owners are set again). Creates no keys and no config:
# `roost hub init`, `roost spoke init` and `roost mirror init` do that (see the README).
#
#   /etc/roost                 0700 root:root     spoke.yaml and the spoke's key (the spoke runs as root)
#   /etc/roost/examples        0755 root:root     hub.yaml, spoke.yaml, mirror.yaml with every option
#   /var/lib/roost             0750 roost:roost   the roost user's home
#   /var/lib/roost/hub         0700 roost:roost   the hub root (hub)
#   /var/lib/roost/mirror      0700 roost:roost   the mirror root (mirror)
#   /etc/systemd/system/       0644 root:root     roost-hub.service; roost-spoke.{service,timer},
#                                                 roost-spoke-schedule.service; roost-mirror-sync.{service,timer},
#                                                 roost-mirror-watch.service, roost-mirror-serve.service
#
# --root DIR installs into DIR instead of / (useradd --prefix; the test uses it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
root=
roles=
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a folder}; shift 2 ;;
    hub|spoke|mirror) roles="$roles $1"; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (roles: hub spoke mirror; --root DIR)" >&2; exit 2 ;;
  esac
done
[ -n "$roles" ] || { echo "install.sh: name at least one role: hub, spoke or mirror" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "install.sh: run it as root" >&2; exit 2; }
if [ -n "$root" ]; then
  root=$(cd "$root" && pwd)
  [ -f "$root/etc/passwd" ] || { echo "install.sh: $root/etc/passwd is missing (--root needs an etc/ with passwd and group)" >&2; exit 2; }
fi

has() { case " $roles " in *" $1 "*) return 0 ;; esac; return 1; }

if ! grep -q '^roost:' "$root/etc/passwd"; then
  if [ -n "$root" ]; then prefix="--prefix $root"; else prefix=; fi
  # shellcheck disable=SC2086
  useradd $prefix --system --user-group --home-dir /var/lib/roost --no-create-home --shell /usr/sbin/nologin --comment "roost backups" roost
  echo "made the system user roost"
fi
uid=$(awk -F: '$1 == "roost" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "roost" { print $4 }' "$root/etc/passwd")

dir() { # MODE OWNER PATH
  mkdir -p "$root$3"
  chown "$2" "$root$3"
  chmod "$1" "$root$3"
}

dir 0755 0:0 /etc
dir 0700 0:0 /etc/roost
dir 0755 0:0 /etc/roost/examples
for f in hub spoke mirror; do install -m 0644 -o 0 -g 0 "$here/examples/$f.yaml" "$root/etc/roost/examples/$f.yaml"; done
dir 0755 0:0 /var/lib
dir 0750 "$uid:$gid" /var/lib/roost
dir 0755 0:0 /etc/systemd/system
unit() { install -m 0644 -o 0 -g 0 "$here/systemd/$1" "$root/etc/systemd/system/$1"; }
if has hub; then dir 0700 "$uid:$gid" /var/lib/roost/hub; unit roost-hub.service; fi
if has mirror; then dir 0700 "$uid:$gid" /var/lib/roost/mirror; unit roost-mirror-sync.service; unit roost-mirror-sync.timer; unit roost-mirror-watch.service; unit roost-mirror-serve.service; fi
if has spoke; then unit roost-spoke.service; unit roost-spoke.timer; unit roost-spoke-schedule.service; fi

dir 0755 0:0 /usr/local/bin
if [ ! -e "$root/usr/local/bin/roost" ] && [ ! -L "$root/usr/local/bin/roost" ]; then
  ln -s "$repo/dist/roost.js" "$root/usr/local/bin/roost"
fi
[ -x "$repo/dist/roost.js" ] || echo "install.sh: $repo/dist/roost.js is not built yet: run npm ci && npm run build" >&2

echo "installed roost for:$roles (root ${root:-/})"
if [ -z "$root" ]; then echo "next: systemctl daemon-reload, then see the README for init and enable"; fi

#!/usr/bin/env bash
# Installs what roost needs on Debian (packages with apt-get, npm ci, build). Safe to re-run:
# it installs only what is missing. Used by the quick start and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(rsync openssh-client tar zstd python3 age acl attr
  # disc sets: ISO images and parity
  xorriso par2
  # mirrors whose store is a bucket on an object store (S3, B2, Ceph RGW, MinIO, …)
  rclone
  # the status page's browser test (driven by playwright-core through its executablePath)
  chromium
  # the sample database hooks (scripts/hooks/) and their tests: each test starts its own server
  # on a socket in a temp folder; the packages' own services are never started (policy-rc.d)
  postgresql postgresql-client sqlite3 mariadb-server mariadb-client)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# rrsync ships inside Debian's rsync package (/usr/bin/rrsync)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Keep the packages' own database services from starting at install (exit 101: not allowed).
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 0755 "$policy" && made_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || status=$?
  [ -z "$made_policy" ] || $SUDO rm -f "$policy"
  [ "$status" -eq 0 ] || { echo "bootstrap: apt-get install failed" >&2; exit 1; }
fi
for tool in rsync rrsync ssh ssh-keygen ssh-keyscan tar zstd age age-keygen setfacl setfattr python3 node \
  xorriso par2 rclone chromium sqlite3 psql pg_dump pg_restore mariadb mariadb-dump mariadb-install-db; do
  command -v "$tool" >/dev/null || { echo "bootstrap: $tool is still missing" >&2; exit 1; }
done
node -e 'const [maj]=process.versions.node.split(".").map(Number); if (maj < 20) { console.error("bootstrap: roost needs Node 20 or newer"); process.exit(1) }'

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "bootstrap: build"
npm run --silent build

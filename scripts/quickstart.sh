#!/usr/bin/env bash
# The quick start: set up what is missing, then run the whole pipeline on this machine on
# loopback (a hub, two spokes, a mirror, restores from the hub and from the mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec node dist/scripts/demo.js "$@"

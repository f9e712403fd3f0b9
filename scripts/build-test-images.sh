#!/usr/bin/env bash
# Build the busybox test images (FROM scratch + Debian's static busybox, uid 1000),
# cached by content. Usage: scripts/build-test-images.sh [--save DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /bin/busybox ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  else
    echo "/bin/busybox missing: apt-get install busybox-static" >&2
    exit 1
  fi
fi
exec "${PYTHON:-.venv/bin/python}" -m workers.images.busybox "$@"

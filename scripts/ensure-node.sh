#!/usr/bin/env bash
# The viewer's JavaScript (Niivue) is installed with npm from package-lock.json. Use the
# machine's node/npm when present; otherwise, as root on Debian/Ubuntu, install Debian's.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing nodejs and npm ..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  exit 0
fi
echo "Cannot install the viewer's JavaScript: install Node.js 20+ with npm (Debian/Ubuntu: apt-get install nodejs npm)." >&2
exit 1

#!/usr/bin/env bash
# `python3 -m venv` failed: on Debian/Ubuntu as root, install the venv module; otherwise
# say what is needed. Tessera needs Python 3.11.
set -euo pipefail
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing python3-venv ..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  exit 0
fi
echo "Cannot create .venv: install Python 3.11 with its venv module (Debian/Ubuntu: apt-get install python3.11-venv), or run make with PYTHON=/path/to/python3.11." >&2
exit 1

#!/usr/bin/env bash
# Build the demo body-mask algorithm and its Python base (debootstrap minbase of
# bookworm with python3-numpy and python3-scipy, `docker import`ed), cached by
# content: the first run takes a few minutes, later runs a second.
# Prints the demo image ID. Usage: scripts/build-demo-algorithm.sh [--base]
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m workers.images.python_base "$@"

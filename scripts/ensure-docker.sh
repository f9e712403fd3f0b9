#!/usr/bin/env bash
# Make sure a Docker engine answers. On Debian/Ubuntu as root, install Debian's
# docker.io and start dockerd when it is missing; otherwise say what to do.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "Docker engine not reachable: start it (sudo systemctl start docker) or add your user to the docker group." >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's docker.io ..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  else
    echo "Docker engine missing and this is not Debian/Ubuntu: install Docker (https://docs.docker.com/engine/install/) and start it." >&2
    exit 1
  fi
fi
if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl start docker >/dev/null 2>&1; then :; else
    mkdir -p /var/log
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
  echo "dockerd did not start: see /var/log/dockerd.log" >&2
  exit 1
fi

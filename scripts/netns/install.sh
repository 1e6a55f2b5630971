#!/usr/bin/env bash
# Installs the Debian packages the network simulator and its baselines need
# (idempotent; quick when everything is present). Package daemons are kept
# from starting on install: scripts/lib/apt-install.sh.
set -euo pipefail
need=()
for pair in ip:iproute2 tc:iproute2 nginx:nginx-light curl:curl aria2c:aria2 opentracker:opentracker mktorrent:mktorrent docker-compose:docker-compose; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && { echo "netns simulator packages present"; exit 0; }
# shellcheck source=../lib/apt-install.sh
source "$(dirname "$0")/../lib/apt-install.sh"
# shellcheck disable=SC2046 # one package a line
apt_install netns $(printf '%s\n' "${need[@]}" | sort -u)

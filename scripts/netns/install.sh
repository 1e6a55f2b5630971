#!/usr/bin/env bash
# Installs the Debian packages the network simulator and its baselines need
# (idempotent; quick when everything is present). Package daemons are kept
# from starting on install by a policy-rc.d that exits 101.
set -euo pipefail
need=()
for pair in ip:iproute2 tc:iproute2 nginx:nginx-light curl:curl aria2c:aria2 opentracker:opentracker mktorrent:mktorrent docker-compose:docker-compose; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && { echo "netns simulator packages present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then echo "install.sh: need root to apt-get install ${need[*]}" >&2; exit 1; fi
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
echo "installed: ${need[*]}"

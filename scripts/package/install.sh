#!/usr/bin/env bash
# Debian packages the packaging tests need: systemd-analyze (checks the units)
# (the executable itself is built from npm packages only). Idempotent; quick when present.
set -euo pipefail
command -v systemd-analyze >/dev/null 2>&1 && { echo "packaging test tools present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then echo "install.sh: need root to apt-get install systemd" >&2; exit 1; fi
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends systemd >/dev/null
echo "installed: systemd"

#!/usr/bin/env bash
# Debian packages the packaging tests need: systemd-analyze (checks the units)
# (the executable itself is built from npm packages only). Idempotent; quick when present.
set -euo pipefail
command -v systemd-analyze >/dev/null 2>&1 && { echo "packaging test tools present"; exit 0; }
# shellcheck source=../lib/apt-install.sh
source "$(dirname "$0")/../lib/apt-install.sh"
apt_install package systemd

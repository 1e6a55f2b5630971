#!/usr/bin/env bash
# Installs the real OpenStack services the integration tests start on
# 127.0.0.1 (glance-api, Keystone under uwsgi, Swift with memcached) and qemu-utils for the Nova
# cache driver. Idempotent: returns at once when everything is present.
# Package daemons are kept from starting (they would listen on 0.0.0.0):
# scripts/lib/apt-install.sh.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=../lib/apt-install.sh
source "$(dirname "$0")/../lib/apt-install.sh"

PACKAGES=(glance-api swift swift-proxy swift-object swift-container swift-account memcached qemu-utils
  keystone uwsgi-core uwsgi-plugin-python3 python3-keystonemiddleware)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "openstack: all packages present"
  exit 0
fi

apt_install openstack "${missing[@]}"

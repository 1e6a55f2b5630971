#!/usr/bin/env bash
# Installs the real OpenStack services the integration tests start on
# 127.0.0.1 (glance-api, Keystone under uwsgi, Swift with memcached) and qemu-utils for the Nova
# cache driver. Idempotent: returns at once when everything is present.
# Package daemons are kept from starting (they would listen on 0.0.0.0) by a
# /usr/sbin/policy-rc.d that exits 101.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

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

if [ "$(id -u)" -ne 0 ]; then
  echo "openstack: missing packages ${missing[*]}; run this script as root" >&2
  exit 1
fi

created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT

echo "openstack: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "openstack: installed"

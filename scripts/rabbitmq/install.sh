#!/usr/bin/env bash
# Installs RabbitMQ (Debian's rabbitmq-server) for the Glance-notification
# tests, which start their own broker on 127.0.0.1 (scripts/rabbitmq/start.sh).
# Idempotent; quick when present. The package's own daemon and epmd are kept
# from starting (they would listen on every address) by a policy-rc.d that exits 101.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if dpkg-query -W -f='${Status}' rabbitmq-server 2>/dev/null | grep -q 'install ok installed'; then
  echo "rabbitmq: present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then echo "rabbitmq: run this script as root to install rabbitmq-server" >&2; exit 1; fi
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
echo "rabbitmq: installed"

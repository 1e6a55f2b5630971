#!/usr/bin/env bash
# Installs RabbitMQ (Debian's rabbitmq-server) for the Glance-notification
# tests, which start their own broker on 127.0.0.1 (scripts/rabbitmq/start.sh).
# Idempotent; quick when present. The package's own daemon and epmd are kept
# from starting (they would listen on every address): scripts/lib/apt-install.sh.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=../lib/apt-install.sh
source "$(dirname "$0")/../lib/apt-install.sh"
if dpkg-query -W -f='${Status}' rabbitmq-server 2>/dev/null | grep -q 'install ok installed'; then
  echo "rabbitmq: present"
  exit 0
fi
apt_install rabbitmq rabbitmq-server

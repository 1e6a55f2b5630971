#!/usr/bin/env bash
# Starts a private RabbitMQ broker on 127.0.0.1 for tests: its own node name,
# data folder, epmd port and distribution port, so it neither meets nor
# disturbs another broker on the machine, and nothing listens beyond loopback.
#   start.sh DIR AMQP_PORT EPMD_PORT DIST_PORT
# Prints RABBITMQ_URL=amqp://guest:guest@127.0.0.1:PORT and RABBITMQ_PID=… once
# the broker accepts AMQP connections; stop with stop.sh DIR.
set -euo pipefail
dir=$(realpath -m "${1:?usage: start.sh DIR AMQP_PORT EPMD_PORT DIST_PORT}")
port=${2:?amqp port}
epmd_port=${3:?epmd port}
dist_port=${4:?distribution port}
server=/usr/lib/rabbitmq/bin/rabbitmq-server
[ -x "$server" ] || { echo "rabbitmq-server is not installed: run scripts/rabbitmq/install.sh" >&2; exit 1; }
mkdir -p "$dir/mnesia" "$dir/log"
cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
loopback_users.guest = true
log.console = false
log.file.level = warning
CONF
echo '[].' > "$dir/enabled_plugins"
cat > "$dir/env" <<ENV
export HOME="$dir"
export RABBITMQ_NODENAME="precache-$port@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$port
export RABBITMQ_DIST_PORT=$dist_port
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$epmd_port
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
ENV
# shellcheck disable=SC1091
. "$dir/env"
echo "$epmd_port" > "$dir/epmd.port"
setsid "$server" > "$dir/log/stdout.log" 2>&1 < /dev/null &
echo $! > "$dir/server.pid"
for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$port"
    echo "RABBITMQ_PID=$(cat "$dir/server.pid")"
    exit 0
  fi
  kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || { echo "rabbitmq-server exited:" >&2; tail -20 "$dir/log/stdout.log" >&2; exit 1; }
  sleep 0.1
done
echo "rabbitmq-server did not accept connections on 127.0.0.1:$port in 60 s" >&2
exit 1

#!/usr/bin/env bash
# Starts a real glance-api on 127.0.0.1 (sqlite database, file store) and
# waits until it answers.
#   start-glance.sh DIR PORT                  no Keystone: identity from X-Project-Id/X-Roles headers
#   GLANCE_NOTIFICATIONS_URL=rabbit://… start-glance.sh …   also send notifications to RabbitMQ
#   start-glance.sh DIR PORT KEYSTONE_URL PASSWORD   behind Keystone (authtoken; service user "glance"
#                                                    in project "service", made by the caller)
# Prints GLANCE_URL=… and GLANCE_PID_FILE=… ; stop with stop.sh "$GLANCE_PID_FILE".
set -euo pipefail
dir=$(realpath -m "${1:?usage: start-glance.sh DIR PORT [KEYSTONE_URL GLANCE_PASSWORD]}")
port=${2:?port}
keystone=${3:-}
password=${4:-}
command -v glance-api >/dev/null || { echo "glance-api is not installed: run scripts/openstack/install.sh" >&2; exit 1; }
mkdir -p "$dir/images" "$dir/lock" "$dir/cache" "$dir/staging"

if [ -n "$keystone" ]; then
  pipeline="versionnegotiation authtoken context rootapp"
else
  pipeline="versionnegotiation context rootapp"
fi
cat > "$dir/glance-api-paste.ini" <<INI
[pipeline:glance-api]
pipeline = $pipeline
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory
[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
INI

cat > "$dir/glance-api.conf" <<INI
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
workers = 0
log_file = $dir/glance-api.log
use_stderr = false
image_cache_dir = $dir/cache
node_staging_uri = file://$dir/staging
[database]
connection = sqlite:///$dir/glance.sqlite
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $dir/images
[oslo_concurrency]
lock_path = $dir/lock
[paste_deploy]
config_file = $dir/glance-api-paste.ini
INI
# GLANCE_NOTIFICATIONS_URL=rabbit://user:pass@127.0.0.1:PORT/ : send oslo.messaging notifications (messagingv2)
if [ -n "${GLANCE_NOTIFICATIONS_URL:-}" ]; then
  cat >> "$dir/glance-api.conf" <<INI
[oslo_messaging_notifications]
driver = messagingv2
transport_url = $GLANCE_NOTIFICATIONS_URL
topics = notifications
INI
fi
if [ -n "$keystone" ]; then
  cat >> "$dir/glance-api.conf" <<INI
[keystone_authtoken]
www_authenticate_uri = $keystone
auth_url = $keystone
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $password
# validate every token (no in-process cache), so a revoked token is rejected at once
token_cache_time = -1
INI
fi

# db_sync takes ~30 s on a busy machine: keep a synced empty database per glance version and copy it
cache=${PRECACHE_OS_CACHE:-/var/tmp/precache-openstack}
template="$cache/glance-$(glance-api --version 2>/dev/null | tr -dc '0-9.').sqlite"
if [ ! -f "$dir/glance.sqlite" ] && [ -f "$template" ]; then
  cp "$template" "$dir/glance.sqlite"
else
  glance-manage --config-file "$dir/glance-api.conf" db_sync >"$dir/db_sync.log" 2>&1 || { cat "$dir/db_sync.log" >&2; exit 1; }
  if [ ! -f "$template" ]; then mkdir -p "$cache" && cp "$dir/glance.sqlite" "$template.tmp.$$" && mv "$template.tmp.$$" "$template"; fi
fi
setsid glance-api --config-file "$dir/glance-api.conf" >"$dir/glance-api.out" 2>&1 < /dev/null &
echo $! > "$dir/glance-api.pid"

for _ in $(seq 1 300); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/versions"; then
    echo "GLANCE_URL=http://127.0.0.1:$port"
    echo "GLANCE_PID_FILE=$dir/glance-api.pid"
    exit 0
  fi
  if ! kill -0 "$(cat "$dir/glance-api.pid")" 2>/dev/null; then
    echo "glance-api exited; see $dir/glance-api.out and $dir/glance-api.log" >&2
    tail -20 "$dir/glance-api.out" "$dir/glance-api.log" >&2 || true
    exit 1
  fi
  sleep 0.1
done
echo "glance-api did not answer on 127.0.0.1:$port within 30 s; see $dir/glance-api.log" >&2
exit 1

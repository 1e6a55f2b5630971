#!/usr/bin/env bash
# Starts a real Keystone on 127.0.0.1 under uwsgi (sqlite in WAL mode, fernet
# tokens, one thread per worker) and bootstraps an admin.
#   start-keystone.sh DIR PORT [TOKEN_EXPIRATION_SECONDS]
# Prints KEYSTONE_URL=… KEYSTONE_ADMIN_PASSWORD=… KEYSTONE_PID_FILE=…
set -euo pipefail
dir=$(realpath -m "${1:?usage: start-keystone.sh DIR PORT [TOKEN_EXPIRATION]}")
port=${2:?port}
expiration=${3:-3600}
for c in keystone-manage uwsgi; do
  command -v "$c" >/dev/null || { echo "$c is not installed: run scripts/openstack/install.sh" >&2; exit 1; }
done
mkdir -p "$dir/fernet-keys" "$dir/credential-keys"
url="http://127.0.0.1:$port"
cat > "$dir/keystone.conf" <<INI
[DEFAULT]
log_file = $dir/keystone.log
use_stderr = false
[database]
connection = sqlite:///$dir/keystone.sqlite
[token]
provider = fernet
expiration = $expiration
[fernet_tokens]
key_repository = $dir/fernet-keys
[fernet_receipts]
key_repository = $dir/fernet-keys
[credential]
key_repository = $dir/credential-keys
INI
km() { keystone-manage --config-file "$dir/keystone.conf" "$@" >>"$dir/manage.log" 2>&1 || { tail -20 "$dir/manage.log" >&2; exit 1; }; }
me=$(id -un); grp=$(id -gn)
km db_sync
/usr/bin/python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')" "$dir/keystone.sqlite"
km fernet_setup --keystone-user "$me" --keystone-group "$grp"
km credential_setup --keystone-user "$me" --keystone-group "$grp"
km bootstrap --bootstrap-password admin --bootstrap-admin-url "$url/v3" --bootstrap-internal-url "$url/v3" \
  --bootstrap-public-url "$url/v3" --bootstrap-region-id RegionOne

setsid uwsgi --plugin python3 --http-socket "127.0.0.1:$port" --wsgi-file /usr/bin/keystone-wsgi-public \
  --processes 2 --threads 1 --master --die-on-term --need-app --lazy-apps \
  --env "OS_KEYSTONE_CONFIG_FILES=$dir/keystone.conf" >"$dir/uwsgi.log" 2>&1 </dev/null &
echo $! > "$dir/keystone.pid"
for _ in $(seq 1 600); do
  if curl -sf -o /dev/null "$url/v3"; then
    echo "KEYSTONE_URL=$url/v3"
    echo "KEYSTONE_ADMIN_PASSWORD=admin"
    echo "KEYSTONE_PID_FILE=$dir/keystone.pid"
    exit 0
  fi
  kill -0 "$(cat "$dir/keystone.pid")" 2>/dev/null || { echo "keystone (uwsgi) exited; see $dir/uwsgi.log" >&2; tail -20 "$dir/uwsgi.log" >&2; exit 1; }
  sleep 0.1
done
echo "keystone did not answer on $url within 60 s; see $dir/uwsgi.log" >&2
exit 1

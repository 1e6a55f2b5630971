#!/usr/bin/env bash
# Starts a real Swift on 127.0.0.1: proxy (tempauth, user test:tester key
# testing, slo/dlo, no proxy-logging), account/container/object servers with a
# one-replica ring over DIR/srv, and memcached. All run in one process group.
#   start-swift.sh DIR BASE_PORT   (uses BASE_PORT..BASE_PORT+4)
# Prints SWIFT_AUTH_URL=… SWIFT_USER=… SWIFT_KEY=… SWIFT_LOG=… SWIFT_PID_FILE=…
set -euo pipefail
dir=$(realpath -m "${1:?usage: start-swift.sh DIR BASE_PORT}")
base=${2:?base port}
proxy=$base; account=$((base+1)); container=$((base+2)); object=$((base+3)); memcache=$((base+4))
for c in swift-proxy-server swift-ring-builder memcached; do
  command -v "$c" >/dev/null || { echo "$c is not installed: run scripts/openstack/install.sh" >&2; exit 1; }
done
mkdir -p "$dir/srv/d1" "$dir/run"
# Swift keeps object metadata in user xattrs
if ! setfattr -n user.precache-test -v 1 "$dir/srv/d1" 2>/dev/null && ! python3 -c "import os,sys; os.setxattr(sys.argv[1], 'user.precache-test', b'1')" "$dir/srv/d1" 2>/dev/null; then
  echo "the file system of $dir has no user xattrs; Swift needs them (use ext4 or xfs)" >&2; exit 1
fi

common() {
  cat <<INI
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
swift_dir = $dir
devices = $dir/srv
mount_check = false
user = $(id -un)
log_address = $dir/run/log.sock
log_name = $2
INI
}
{ common "$account" account-server; printf '[pipeline:main]\npipeline = account-server\n[app:account-server]\nuse = egg:swift#account\n'; } > "$dir/account-server.conf"
{ common "$container" container-server; printf '[pipeline:main]\npipeline = container-server\n[app:container-server]\nuse = egg:swift#container\n'; } > "$dir/container-server.conf"
{ common "$object" object-server; printf '[pipeline:main]\npipeline = object-server\n[app:object-server]\nuse = egg:swift#object\n'; } > "$dir/object-server.conf"
{ common "$proxy" proxy-server; cat <<INI
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck cache listing_formats tempauth copy slo dlo proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
storage_url_scheme = default
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcache
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
INI
} > "$dir/proxy-server.conf"

if [ ! -f "$dir/object.ring.gz" ]; then
  for r in account:$account container:$container object:$object; do
    name=${r%%:*}; port=${r##*:}
    swift-ring-builder "$dir/$name.builder" create 6 1 1 >/dev/null
    swift-ring-builder "$dir/$name.builder" add r1z1-127.0.0.1:"$port"/d1 1 >/dev/null
    swift-ring-builder "$dir/$name.builder" rebalance >/dev/null || true
  done
fi

# the servers log through syslog: give them a unix socket (no UDP) whose lines land in swift.log
cat > "$dir/run/supervise.sh" <<SH
echo \$\$ > "$dir/swift.pid"
python3 -u -c '
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path): os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path)
with open(log, "ab", buffering=0) as f:
    while True: f.write(s.recv(65536).rstrip(b"\\0") + b"\\n")
' "$dir/run/log.sock" "$dir/swift.log" &
for i in \$(seq 1 50); do [ -S "$dir/run/log.sock" ] && break; sleep 0.1; done
echo \$! >> "$dir/swift.pid"
memcached -l 127.0.0.1 -p $memcache -U 0 -u $(id -un) >"$dir/memcached.out" 2>&1 &
echo \$! >> "$dir/swift.pid"
# the swift servers make themselves session leaders: record each pid for stop.sh
for s in account container object proxy; do swift-\$s-server "$dir/\$s-server.conf" >"$dir/\$s-server.out" 2>&1 & echo \$! >> "$dir/swift.pid"; done
wait
SH
rm -f "$dir/swift.pid"
setsid bash "$dir/run/supervise.sh" </dev/null >"$dir/supervise.out" 2>&1 &
for _ in $(seq 1 50); do [ -s "$dir/swift.pid" ] && break; sleep 0.1; done

for _ in $(seq 1 600); do
  if curl -s -o /dev/null "http://127.0.0.1:$account/" && curl -s -o /dev/null "http://127.0.0.1:$container/" &&
     curl -s -o /dev/null "http://127.0.0.1:$object/" &&
     curl -sf -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "http://127.0.0.1:$proxy/auth/v1.0"; then
    echo "SWIFT_AUTH_URL=http://127.0.0.1:$proxy/auth/v1.0"
    echo "SWIFT_USER=test:tester"
    echo "SWIFT_KEY=testing"
    echo "SWIFT_LOG=$dir/swift.log"
    echo "SWIFT_PID_FILE=$dir/swift.pid"
    exit 0
  fi
  if ! kill -0 "$(head -1 "$dir/swift.pid")" 2>/dev/null; then
    echo "swift exited; see $dir/*.out" >&2; tail -5 "$dir"/*.out >&2; exit 1
  fi
  sleep 0.1
done
echo "swift did not answer on 127.0.0.1:$proxy within 60 s; see $dir/*.out and $dir/swift.log" >&2
tail -5 "$dir"/*.out >&2
exit 1

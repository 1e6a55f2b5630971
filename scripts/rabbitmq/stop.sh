#!/usr/bin/env bash
# Stops a broker started by start.sh DIR: its process group, then its own epmd.
set -uo pipefail
dir=$(realpath -m "${1:?usage: stop.sh DIR}")
if [ -f "$dir/server.pid" ]; then
  pid=$(cat "$dir/server.pid")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$dir/server.pid"
fi
if [ -f "$dir/epmd.port" ]; then
  ERL_EPMD_PORT=$(cat "$dir/epmd.port") epmd -kill >/dev/null 2>&1 || true
  rm -f "$dir/epmd.port"
fi

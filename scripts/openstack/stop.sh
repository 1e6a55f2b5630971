#!/usr/bin/env bash
# Stops the processes whose pids are listed (one a line) in each given pid
# file, and their process groups, waiting up to 10 s; removes the pid files.
set -uo pipefail
for f in "$@"; do
  [ -f "$f" ] || continue
  pids=$(cat "$f")
  for pid in $pids; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $pids; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$f"
done

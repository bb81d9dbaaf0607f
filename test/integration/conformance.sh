#!/usr/bin/env bash
# Conformance: runs ../shared/conformance/run.sh (the etcd v2 probe) against a fresh single-member
# coordd started with --name default, and diffs its output with real etcd 3.4's answers
# (../shared/conformance/expected-etcd-3.4.txt). Passes only when the diff is empty.
# Needs curl and jq. Starts one coordd on free loopback ports and kills it (by pid) on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
coordd=${COORDD:-$repo/stage/bin/coordd}
shared=${COORD_SHARED:-$repo/../shared}
probe=$shared/conformance/run.sh
expected=$shared/conformance/expected-etcd-3.4.txt
if [ ! -f "$probe" ] || [ ! -f "$expected" ]; then
  echo "conformance: $shared/conformance not found (set COORD_SHARED)" >&2
  exit 1
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p
  while true; do
    p=$(( (RANDOM << 1 | RANDOM & 1) % 30000 + 20000 ))
    if port_free "$p"; then echo "$p"; return; fi
  done
}

work=$(mktemp -d /tmp/coord-conformance.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

client=$(pick_port)
peer=$(pick_port)
base="http://127.0.0.1:$client"
"$coordd" --name default --data-dir "$work/data" \
  --listen-client-urls "$base" --advertise-client-urls "$base" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "default=http://127.0.0.1:$peer" >"$work/coordd.log" 2>&1 &
pid=$!

# Bounded wait for the condition "serving": at most 20 s.
for _ in $(seq 1 200); do
  if curl -sf -o /dev/null --max-time 1 "$base/health"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "conformance: coordd exited:"; cat "$work/coordd.log"; exit 1; fi
  sleep 0.1
done

BASE="$base" bash "$probe" >"$work/out.txt"
if diff -u "$expected" "$work/out.txt" >"$work/diff.txt"; then
  echo "conformance: identical to etcd 3.4 ($(wc -l <"$expected") lines)"
else
  echo "conformance: differs from etcd 3.4:"
  cat "$work/diff.txt"
  exit 1
fi

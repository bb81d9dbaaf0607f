#!/usr/bin/env bash
# Durability: concurrent writers PUT unique keys into a single-member coordd and record every
# write the server acknowledged; coordd is killed with SIGKILL mid-load, restarted on the same
# data directory, and every acknowledged write must be there with its value. Repeated for
# several rounds on the same data directory (each restart replays the WAL and snapshots:
# --snapshot-count is small so snapshots and WAL release happen too).
# Starts coordd on free loopback ports; kills it by pid on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
coordd=${COORDD:-$repo/stage/bin/coordd}
rounds=${COORD_KILL9_ROUNDS:-3}
writers=4

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p
  while true; do
    # Below the ephemeral range (32768-60999), so no outgoing connection can hold it.
    p=$(( RANDOM % 12000 + 20000 ))
    if port_free "$p"; then echo "$p"; return; fi
  done
}

work=$(mktemp -d /tmp/coord-kill9.XXXXXX)
pid=""
writer_pids=()
cleanup() {
  for w in "${writer_pids[@]}"; do kill "$w" 2>/dev/null || true; done
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

client=$(pick_port)
peer=$(pick_port)
base="http://127.0.0.1:$client"
start_coordd() {
  "$coordd" --name default --data-dir "$work/data" --snapshot-count 200 \
    --listen-client-urls "$base" --advertise-client-urls "$base" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "default=http://127.0.0.1:$peer" >>"$work/coordd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null --max-time 1 "$base/health"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "coordd exited:"; tail -20 "$work/coordd.log"; exit 1; fi
    sleep 0.1
  done
  echo "coordd did not become healthy"; tail -20 "$work/coordd.log"; exit 1
}

# writer ROUND ID: PUTs /kill9/r<ROUND>w<ID>-<n> = v<n> until killed; appends acknowledged keys.
writer() {
  local n=0 code
  while true; do
    n=$((n + 1))
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X PUT \
      "$base/v2/keys/kill9/r$1w$2-$n" -d "value=v$n" || true)
    if [ "$code" = 200 ] || [ "$code" = 201 ]; then echo "r$1w$2-$n v$n" >>"$work/acked.$1.$2"; fi
  done
}

: >"$work/acked.all"
for round in $(seq 1 "$rounds"); do
  start_coordd
  writer_pids=()
  for w in $(seq 1 $writers); do writer "$round" "$w" & writer_pids+=($!); done
  # Let the writers get acknowledgements, then pull the plug: a bounded wait on a condition.
  for _ in $(seq 1 100); do
    n=$( (cat "$work"/acked."$round".* 2>/dev/null || true) | wc -l)
    [ "$n" -ge 300 ] && break
    sleep 0.05
  done
  if ! kill -0 "$pid" 2>/dev/null; then echo "kill9: coordd died on its own:"; tail -20 "$work/coordd.log"; exit 1; fi
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  for w in "${writer_pids[@]}"; do kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true; done
  writer_pids=()
  cat "$work"/acked."$round".* >>"$work/acked.all"
done

start_coordd
curl -sf "$base/v2/keys/kill9?recursive=true" | jq -r '.node.nodes[]? | "\(.key | ltrimstr("/kill9/")) \(.value)"' \
  | sort >"$work/present"
sort "$work/acked.all" >"$work/acked.sorted"
missing=$(comm -23 "$work/acked.sorted" "$work/present" | wc -l)
total=$(wc -l <"$work/acked.sorted")
if [ "$total" -eq 0 ]; then echo "kill9: no write was acknowledged"; tail -20 "$work/coordd.log"; exit 1; fi
if [ "$missing" -ne 0 ]; then
  echo "kill9: $missing of $total acknowledged writes lost:"; comm -23 "$work/acked.sorted" "$work/present" | head
  exit 1
fi
echo "kill9: all $total acknowledged writes survived $rounds kill -9 rounds"

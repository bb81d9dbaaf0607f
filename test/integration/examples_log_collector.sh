#!/usr/bin/env bash
# The log-collector example against coordd and real etcd 3.4 (v2): three collectors split six
# apps (set with coordctl) without overlap; when one is killed with SIGKILL the two survivors
# cover all apps again within TTL + 2 s; a collector that joins takes its share back.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
fail=0
logs=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; stop_server; rm -rf "$logs"; }
trap cleanup EXIT

# covered N ID...: the latest "owns" lines of these collectors all report N collectors and
# together list every app exactly once.
covered() {
  local n=$1; shift
  local all="" id line
  for id in "$@"; do
    line=$(grep '^owns:' "$logs/$id.out" 2>/dev/null | tail -1)
    [[ "$line" == *"(collectors: $n)" ]] || return 1
    line=${line#owns: }; line=${line% (collectors:*}
    all+="${line//,/ } "
  done
  [ "$(echo $all | tr ' ' '\n' | sort | tr '\n' ' ')" = "api/access api/error batch/jobs db/slow web/access web/error " ]
}

start_collector() {
  "$bin/log_collector" --endpoints "$SERVER_URL" --id "$1" --apps /logs/apps --ttl 2 >"$logs/$1.out" 2>&1 &
  pids+=($!)
  eval "pid_$1=$!"
}

for kind in coordd etcd; do
  if ! start_server "$kind"; then echo "FAIL: could not start $kind"; fail=1; continue; fi
  for app in web/access web/error api/access api/error db/slow batch/jobs; do
    "$bin/coordctl" --endpoints "$SERVER_URL" set "/logs/apps/$app" "topic-$app" >/dev/null || { echo "FAIL coordctl set"; fail=1; }
  done
  rm -f "$logs"/*.out; unset pid_c1 pid_c2 pid_c3 pid_c4
  start_collector c1; start_collector c2; start_collector c3
  if wait_for 15 covered 3 c1 c2 c3; then echo "ok   $kind: 3 collectors split 6 apps"; else echo "FAIL $kind: no 3-way split"; fail=1; fi
  kill -9 "$pid_c2"; t0=$(now_ms)
  if wait_for 6 covered 2 c1 c3; then
    echo "ok   $kind: rebalanced to 2 collectors $(( $(now_ms) - t0 )) ms after SIGKILL (TTL 2 s)"
    [ $(( $(now_ms) - t0 )) -le 4000 ] || { echo "FAIL $kind: rebalance slower than TTL + 2 s"; fail=1; }
  else
    echo "FAIL $kind: survivors did not take over"; tail -n 3 "$logs/c1.out" "$logs/c3.out"; fail=1
  fi
  start_collector c4
  if wait_for 10 covered 3 c1 c3 c4; then echo "ok   $kind: joining collector took its share"; else echo "FAIL $kind: join not rebalanced"; fail=1; fi
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=()
  stop_server
done
exit $fail

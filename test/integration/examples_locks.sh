#!/usr/bin/env bash
# Lock recipes across processes, against coordd and real etcd 3.4 (v2): 4 exclusive_lock
# processes x 50 unprotected read-then-write increments under DistributedLock end at exactly 200
# with fencing tokens strictly increasing across holders; the same with SequencedLock (tokens are
# the request order, so increasing tokens = grants in request order); a holder killed with
# SIGKILL is replaced by the next waiter within TTL + 2 s.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
fail=0
trap stop_server EXIT

check_counter_run() {  # KIND MODE(flag) NAME
  local kind=$1 mode=$2 name=$3 logs pids=() i
  logs=$(mktemp -d)
  for i in 1 2 3 4; do
    "$bin/exclusive_lock" --endpoints "$SERVER_URL" --name "$name" --counter "/t/$name/counter" \
        --increments 50 --ttl 2 $mode >"$logs/$i.out" 2>"$logs/$i.err" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "FAIL $kind $name: a process failed"; cat "$logs"/*.err; fail=1; }; done
  local final
  final=$(curl -s "$SERVER_URL/v2/keys/t/$name/counter" | jq -r .node.value)
  if [ "$final" != 200 ]; then echo "FAIL $kind $name: counter is $final, not 200"; fail=1; fi
  # Sort the critical sections by the counter value they read: tokens must strictly increase.
  if ! cat "$logs"/*.out | sed -n 's/^token=\([0-9]*\) counter=\([0-9]*\)$/\2 \1/p' | sort -n |
      awk 'NR>1 && $2<=prev {bad=1; print "order broken at counter " $1 ": token " $2 " after " prev} {prev=$2; n++}
           END {exit (bad || n != 200)}'; then
    echo "FAIL $kind $name: fencing tokens not strictly increasing across 200 holders"; fail=1
  else
    echo "ok   $kind $name: counter 200, tokens strictly increasing"
  fi
  rm -rf "$logs"
}

check_kill_holder() {  # KIND MODE NAME
  local kind=$1 mode=$2 name=$3 logs holder waiter t0 t1
  logs=$(mktemp -d)
  "$bin/exclusive_lock" --endpoints "$SERVER_URL" --name "$name" --counter "/t/$name/c" --increments 1 \
      --ttl 2 --hold-seconds 60 $mode >"$logs/holder.out" 2>&1 &
  holder=$!
  wait_for 10 grep -q holding "$logs/holder.out" || { echo "FAIL $kind $name: holder never held"; fail=1; return; }
  "$bin/exclusive_lock" --endpoints "$SERVER_URL" --name "$name" --counter "/t/$name/c" --increments 1 \
      --ttl 2 $mode >"$logs/waiter.out" 2>&1 &
  waiter=$!
  sleep 0.3  # let the waiter queue up behind the holder (not synchronization: the claim holds either way)
  kill -9 "$holder"; t0=$(now_ms)
  if wait_for 6 grep -q '^token=' "$logs/waiter.out"; then
    t1=$(now_ms)
    if [ $((t1 - t0)) -le 4000 ]; then
      echo "ok   $kind $name: next waiter got the lock $((t1 - t0)) ms after SIGKILL (TTL 2 s)"
    else
      echo "FAIL $kind $name: next waiter took $((t1 - t0)) ms"; fail=1
    fi
  else
    echo "FAIL $kind $name: waiter never got the lock"; fail=1
  fi
  wait "$waiter" 2>/dev/null
  wait "$holder" 2>/dev/null
  rm -rf "$logs"
}

for kind in coordd etcd; do
  if ! start_server "$kind"; then echo "FAIL: could not start $kind"; fail=1; continue; fi
  check_counter_run "$kind" "" "lock-$kind"
  check_counter_run "$kind" "--sequenced" "qlock-$kind"
  check_kill_holder "$kind" "" "kill-lock-$kind"
  check_kill_holder "$kind" "--sequenced" "kill-qlock-$kind"
  stop_server
done
exit $fail

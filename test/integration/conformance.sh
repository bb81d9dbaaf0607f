#!/usr/bin/env bash
# Conformance: runs test/conformance/run.sh (the etcd v2 probe) against member 1 (named
# "default") of a fresh coordd cluster and diffs its output with real etcd 3.4's answers
# (test/conformance/expected-etcd-3.4.txt), which come from a single member.
# COORD_CONFORMANCE_MEMBERS (default 1) sets the cluster size. With one member the diff must be
# empty. With more, only the lines whose answers depend on the member count may differ:
# S01 (stats/self: the probed member may be a follower), S02 (stats/leader: followers, or 403 on
# a follower) and S10 (/v2/machines lists every member); they are printed, not failed.
# Needs curl and jq. Starts coordd on free loopback ports and kills every member (by pid) on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
coordd=${COORDD:-$repo/stage/bin/coordd}
probe_dir=${COORD_CONFORMANCE_DIR:-$repo/test/conformance}
probe=$probe_dir/run.sh
expected=$probe_dir/expected-etcd-3.4.txt
if [ ! -f "$probe" ] || [ ! -f "$expected" ]; then
  echo "conformance: $probe_dir/run.sh or its expected answers not found" >&2
  exit 1
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p
  while true; do
    # Below the ephemeral range (32768-60999), so no outgoing connection can hold it.
    p=$(( RANDOM % 12000 + 20000 ))
    if port_free "$p"; then echo "$p"; return; fi
  done
}

members=${COORD_CONFORMANCE_MEMBERS:-1}
work=$(mktemp -d /tmp/coord-conformance.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

names=(); clients=(); peers=(); cluster=""
for i in $(seq 1 "$members"); do
  if [ "$i" = 1 ]; then names+=(default); else names+=("m$i"); fi
  clients+=("http://127.0.0.1:$(pick_port)")
  peers+=("http://127.0.0.1:$(pick_port)")
  cluster+="${cluster:+,}${names[-1]}=${peers[-1]}"
done
for i in "${!names[@]}"; do
  "$coordd" --name "${names[$i]}" --data-dir "$work/${names[$i]}" \
    --listen-client-urls "${clients[$i]}" --advertise-client-urls "${clients[$i]}" \
    --listen-peer-urls "${peers[$i]}" --initial-advertise-peer-urls "${peers[$i]}" \
    --initial-cluster "$cluster" >"$work/${names[$i]}.log" 2>&1 &
  pids+=($!)
done
base=${clients[0]}

# Bounded wait for the condition "every member serving": at most 30 s.
for i in "${!names[@]}"; do
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null --max-time 1 "${clients[$i]}/health"; then break; fi
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then echo "conformance: ${names[$i]} exited:"; cat "$work/${names[$i]}.log"; exit 1; fi
    sleep 0.1
  done
done

BASE="$base" bash "$probe" >"$work/out.txt"
if [ "$members" = 1 ]; then
  if diff -u "$expected" "$work/out.txt" >"$work/diff.txt"; then
    echo "conformance: identical to etcd 3.4 ($(wc -l <"$expected") lines)"
    exit 0
  fi
  echo "conformance: differs from etcd 3.4:"; cat "$work/diff.txt"; exit 1
fi
member_count_lines='^(S01|S02|S10)-'
if diff -u <(grep -Ev "$member_count_lines" "$expected") <(grep -Ev "$member_count_lines" "$work/out.txt") >"$work/diff.txt"; then
  echo "conformance: member 1 of $members identical to etcd 3.4 except the member-count lines:"
  grep -E "$member_count_lines" "$work/out.txt" | sed 's/^/  /'
else
  echo "conformance: member 1 of $members differs from etcd 3.4:"; cat "$work/diff.txt"; exit 1
fi

#!/usr/bin/env bash
# Conformance: runs the etcd v2 probe (test/conformance/run.sh) against member 1 (named
# "default") of a fresh coordd cluster and against a fresh single-member etcd 3.4 (--enable-v2)
# started in the same run, and diffs the two normalized outputs. Comparing live answers keeps
# the test right when either side changes; the recorded answers of etcd 3.4.23
# (test/conformance/expected-etcd-3.4.txt) are the reference only where no etcd is installed
# (the run says so), and a live etcd that differs from them is reported, not failed.
# COORD_CONFORMANCE_MEMBERS (default 1) sets the coordd cluster size. With one member the diff
# must be empty. With more, only the lines whose answers depend on the member count may differ:
# S01 (stats/self: the probed member may be a follower), S02 (stats/leader: followers, or 403 on
# a follower) and S10 (/v2/machines lists every member); they are printed, not failed.
# Needs curl and jq. Starts coordd and etcd on free loopback ports and kills each (by pid) on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
coordd=${COORDD:-$repo/stage/bin/coordd}
etcd=${ETCD:-$(command -v etcd || true)}
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

# The reference: a fresh etcd named "default" like coordd's member 1.
if [ -n "$etcd" ]; then
  etcd_client="http://127.0.0.1:$(pick_port)"; etcd_peer="http://127.0.0.1:$(pick_port)"
  "$etcd" --enable-v2=true --name default --data-dir "$work/etcd" \
    --listen-client-urls "$etcd_client" --advertise-client-urls "$etcd_client" \
    --listen-peer-urls "$etcd_peer" --initial-advertise-peer-urls "$etcd_peer" \
    --initial-cluster "default=$etcd_peer" >"$work/etcd.log" 2>&1 &
  pids+=($!)
  etcd_pid=$!
fi

# Bounded wait for the condition "every member serving": at most 30 s.
for i in "${!names[@]}"; do
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null --max-time 1 "${clients[$i]}/health"; then break; fi
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then echo "conformance: ${names[$i]} exited:"; cat "$work/${names[$i]}.log"; exit 1; fi
    sleep 0.1
  done
done

if [ -n "$etcd" ]; then
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null --max-time 1 "$etcd_client/health"; then break; fi
    if ! kill -0 "$etcd_pid" 2>/dev/null; then echo "conformance: etcd exited:"; cat "$work/etcd.log"; exit 1; fi
    sleep 0.1
  done
fi

BASE="$base" bash "$probe" >"$work/out.txt"
if [ -n "$etcd" ]; then
  BASE="$etcd_client" bash "$probe" >"$work/etcd.txt"
  if ! diff -q "$expected" "$work/etcd.txt" >/dev/null; then
    echo "conformance: note: this etcd ($("$etcd" --version | head -n1)) answers differently from the recorded etcd 3.4.23 answers:"
    diff -u "$expected" "$work/etcd.txt" | sed 's/^/  /' || true
  fi
  expected=$work/etcd.txt
  reference="etcd $("$etcd" --version | sed -n 's/^etcd Version: //p') started in this run"
else
  reference="the recorded answers of etcd 3.4.23 (no etcd installed)"
fi
if [ "$members" = 1 ]; then
  if diff -u "$expected" "$work/out.txt" >"$work/diff.txt"; then
    echo "conformance: identical to $reference ($(wc -l <"$expected") lines)"
    exit 0
  fi
  echo "conformance: differs from $reference:"; cat "$work/diff.txt"; exit 1
fi
member_count_lines='^(S01|S02|S10)-'
if diff -u <(grep -Ev "$member_count_lines" "$expected") <(grep -Ev "$member_count_lines" "$work/out.txt") >"$work/diff.txt"; then
  echo "conformance: member 1 of $members identical to $reference except the member-count lines:"
  grep -E "$member_count_lines" "$work/out.txt" | sed 's/^/  /'
else
  echo "conformance: member 1 of $members differs from $reference:"; cat "$work/diff.txt"; exit 1
fi

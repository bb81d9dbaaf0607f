#!/usr/bin/env bash
# coordctl on 3-member clusters.
#  1. cluster-health with one of three members stopped: on etcd, coordctl's output and exit
#     status are etcdctl v2's, byte for byte ("failed to check the health of member ... on URL:
#     Get ...: connection refused", "member ... is unreachable: [URL] are all unreachable",
#     "cluster is degraded", rc 5); on coordd, the same lines for its members.
#  2. backup and restore (README, "Backup and restore"): a backup of a running coordd member
#     while a client keeps writing; then the fault: two of three members are lost for good (their
#     data dirs deleted) and the survivor is stopped. What must hold: coordd started on the backup
#     with --force-new-cluster is a one-member cluster holding the tree written before the backup
#     and an unbroken prefix of the concurrent writes; two new members added with `member add`
#     and started with --initial-cluster-state existing catch up; the cluster is healthy and
#     takes writes through every member.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
ctl=$bin/coordctl
work=$(mktemp -d /tmp/coordctl-cluster-XXXXXX)
declare -A pid=()
cleanup() {
  local p
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
export ETCDCTL_API=2

declare -A cport=() pport=()
ports_for() {  # NAME: a client and a peer port, distinct from the ones taken
  local p kind taken=" ${cport[*]} ${pport[*]} "
  for kind in c p; do
    while p=$(free_port); [[ "$taken" == *" $p "* ]]; do :; done
    taken+="$p "
    if [ $kind = c ]; then cport[$1]=$p; else pport[$1]=$p; fi
  done
}
curl_ok() { curl -sf "$1" -o /dev/null; }
start_member() {  # KIND NAME DATA-DIR INITIAL-CLUSTER STATE [EXTRA FLAGS...]
  local kind=$1 name=$2 data=$3 initial=$4 state=$5; shift 5
  local c="http://127.0.0.1:${cport[$name]}" p="http://127.0.0.1:${pport[$name]}"
  local args=(--name "$name" --data-dir "$data" --listen-client-urls "$c" --advertise-client-urls "$c"
              --listen-peer-urls "$p" --initial-advertise-peer-urls "$p" --initial-cluster "$initial"
              --initial-cluster-state "$state" --initial-cluster-token coordctl-test
              --heartbeat-interval 50 --election-timeout 500 "$@")
  [ "$kind" = etcd ] && args+=(--enable-v2=true)
  # Snapshots every 100 entries: the backup then holds a snapshot file and the WAL after it.
  [ "$kind" = coordd ] && args+=(--snapshot-count 100)
  "$(server_binary "$kind")" "${args[@]}" >>"$work/$name.log" 2>&1 &
  pid[$name]=$!
}
stop_member() { kill -9 "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"; }
url() { echo "http://127.0.0.1:${cport[$1]}"; }
start_cluster() {  # KIND PREFIX: members PREFIX0..2, serving once a write goes through
  local kind=$1 n initial=
  for n in 0 1 2; do ports_for "$2$n"; initial+="${initial:+,}$2$n=http://127.0.0.1:${pport[$2$n]}"; done
  for n in 0 1 2; do start_member "$kind" "$2$n" "$work/$2$n.data" "$initial" new; done
  wait_for 30 "$ctl" --endpoints "$(url "${2}0")" set /ready yes >/dev/null 2>&1 || { bad "$kind cluster did not start"; exit 1; }
  for n in 0 1 2; do wait_for 10 curl_ok "$(url "$2$n")/health" || { bad "$2$n not healthy"; exit 1; }; done
}

# ---- 1. cluster-health, one member of three down
ctl_etcd=$(command -v etcdctl || true)
start_cluster etcd e
stop_member e2
# Compared once the survivors answer /health true again (etcd's check is a quorum read).
settled() { [ "$("$ctl" --endpoints "$(url e0)" cluster-health 2>&1 | grep -c 'is healthy')" -eq 2 ]; }
wait_for 20 settled
"$ctl" --endpoints "$(url e0)" cluster-health >"$work/coordctl.txt" 2>&1; echo "rc=$?" >>"$work/coordctl.txt"
grep -q "member .* is unreachable: \[$(url e2)\] are all unreachable" "$work/coordctl.txt" &&
  grep -q "^cluster is degraded$" "$work/coordctl.txt" && grep -q "^rc=5$" "$work/coordctl.txt" &&
  ok "etcd, one member down: coordctl says the member is unreachable and the cluster degraded (rc 5)" ||
  { bad "coordctl cluster-health on etcd"; cat "$work/coordctl.txt"; }
if [ -n "$ctl_etcd" ]; then
  "$ctl_etcd" --endpoints "$(url e0)" cluster-health >"$work/etcdctl.txt" 2>&1; echo "rc=$?" >>"$work/etcdctl.txt"
  diff "$work/etcdctl.txt" "$work/coordctl.txt" && ok "coordctl cluster-health = etcdctl cluster-health" ||
    bad "cluster-health differs (< etcdctl, > coordctl)"
fi
for n in e0 e1; do stop_member $n; done
# backup refuses what is not a coordd data dir: etcd's WAL (another format), a missing dir.
out=$("$ctl" backup --data-dir "$work/e0.data" --backup-dir "$work/etcd-backup" 2>&1); rc=$?
[ $rc -eq 4 ] && [[ "$out" == *"Error:  no consistent copy of $work/e0.data: corruption: WAL segment"* ]] &&
  [ ! -e "$work/etcd-backup" ] && ok "backup of etcd's data dir: refused (rc 4), nothing left behind" ||
  bad "backup of etcd's data dir: rc=$rc $out"
out=$("$ctl" backup --data-dir "$work/none" --backup-dir "$work/b" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"holds no coordd WAL"* ]] && ok "backup of a missing dir: rc 1" || bad "backup of a missing dir: rc=$rc $out"

start_cluster coordd c
all_healthy() {
  "$ctl" --endpoints "$(url c0)" cluster-health >"$work/healthy.txt" 2>&1 &&
    [ "$(grep -c 'is healthy: got healthy result' "$work/healthy.txt")" -eq 3 ] &&
    [ "$(tail -1 "$work/healthy.txt")" = "cluster is healthy" ]
}
wait_for 10 all_healthy && ok "coordd, all up: cluster is healthy (rc 0)" ||
  { bad "cluster-health on a healthy coordd cluster"; cat "$work/healthy.txt"; }
stop_member c2
# Waited on: if c2 led, the survivors answer /health false until they have elected a leader.
degraded() {
  "$ctl" --endpoints "$(url c0)" cluster-health >"$work/degraded.txt" 2>&1
  [ $? -eq 5 ] && [ "$(grep -c 'is healthy: got healthy result' "$work/degraded.txt")" -eq 2 ] &&
    grep -qx "failed to check the health of member [0-9a-f]* on $(url c2): Get \"$(url c2)/health\": dial tcp 127.0.0.1:${cport[c2]}: connect: connection refused" "$work/degraded.txt" &&
    grep -qx "member [0-9a-f]* is unreachable: \[$(url c2)\] are all unreachable" "$work/degraded.txt" &&
    [ "$(tail -1 "$work/degraded.txt")" = "cluster is degraded" ]
}
wait_for 10 degraded && ok "coordd, one member down: etcdctl's lines, cluster is degraded (rc 5)" ||
  { bad "cluster-health on coordd with a member down"; cat "$work/degraded.txt"; }

# ---- 2. backup of a running member, restore after losing the quorum
initial="c0=http://127.0.0.1:${pport[c0]},c1=http://127.0.0.1:${pport[c1]},c2=http://127.0.0.1:${pport[c2]}"
start_member coordd c2 "$work/c2.data" "$initial" existing
wait_for 10 curl_ok "$(url c2)/health" || bad "c2 did not come back"
awk 'BEGIN { print "{\"key\":\"/data\",\"dir\":true}"; print "{\"key\":\"/data/ttl\",\"dir\":true,\"ttl\":900}"
  for (i = 0; i < 300; i++) printf "{\"key\":\"/data/k%d\",\"value\":\"v%d\"}\n", i, i }' |
  "$ctl" --endpoints "$(url c0),$(url c1)" load - 2>/dev/null || bad "load of the tree"
"$ctl" --endpoints "$(url c0)" dump /data 2>/dev/null | sed -E 's/"ttl":[0-9]+/"ttl":T/' >"$work/before.jsonl"
# A client writes /w/0, /w/1, ... one after the other while the backup is taken.
( i=0; while "$ctl" --endpoints "$(url c1)" set "/w/$i" "$i" >/dev/null 2>&1; do i=$((i + 1)); done ) &
writer=$!; pid[writer]=$writer
wait_for 10 "$ctl" --endpoints "$(url c0)" get /w/20 >/dev/null 2>&1
"$ctl" backup --data-dir "$work/c0.data" --backup-dir "$work/backup" >"$work/backup.out" 2>"$work/backup.err"; rc=$?
[ $rc -eq 0 ] && grep -q "^backup of .* snapshot at index [1-9]" "$work/backup.out" && grep -q "^backup: .*done in" "$work/backup.err" &&
  ok "backup of a running member ($(cat "$work/backup.out"))" || { bad "backup: rc=$rc"; cat "$work/backup.out" "$work/backup.err"; }
out=$("$ctl" backup --data-dir "$work/c0.data" --backup-dir "$work/backup" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"already holds a backup"* ]] && ok "backup refuses to overwrite a backup (rc 1)" || bad "second backup: rc=$rc $out"
kill -9 "$writer"; wait "$writer" 2>/dev/null; unset "pid[writer]"

# The fault: c1 and c2 are lost with their data; c0 alone has no quorum and is stopped.
stop_member c1; stop_member c2; rm -rf "$work/c1.data" "$work/c2.data"
stop_member c0
# Restore: the backup becomes c0's data dir, started with --force-new-cluster.
rm -rf "$work/c0.data"; cp -a "$work/backup" "$work/c0.data"
start_member coordd c0 "$work/c0.data" "$initial" existing --force-new-cluster
wait_for 20 "$ctl" --endpoints "$(url c0)" set /restored yes >/dev/null 2>&1 && ok "the restored member takes writes alone" ||
  { bad "the restored member does not take writes"; tail -5 "$work/c0.log"; }
[ "$("$ctl" --endpoints "$(url c0)" member list | wc -l)" -eq 1 ] && ok "the restored cluster has one member" || bad "member list after restore"
"$ctl" --endpoints "$(url c0)" dump /data 2>/dev/null | sed -E 's/"ttl":[0-9]+/"ttl":T/' | diff "$work/before.jsonl" - >/dev/null &&
  ok "the tree written before the backup is there (TTL included)" || bad "the restored tree differs"
n=$("$ctl" --endpoints "$(url c0)" ls /w 2>/dev/null | wc -l)
last=$(( n - 1 ))
[ "$n" -gt 20 ] && "$ctl" --endpoints "$(url c0)" get "/w/$last" >/dev/null 2>&1 &&
  [ "$("$ctl" --endpoints "$(url c0)" ls /w | sed 's|/w/||' | sort -n | tail -1)" = "$last" ] &&
  ok "the concurrent writes are there as an unbroken prefix (/w/0../w/$last)" || bad "the writes during the backup: $n keys, not a prefix"

# Members are added back one at a time, each with an empty data dir.
members="c0=http://127.0.0.1:${pport[c0]}"
for n in c1 c2; do
  ports_for $n
  # As etcd (--strict-reconfig-check), a member is refused (500) until the members already
  # there have been connected for 5 s: retried until then.
  wait_for 20 "$ctl" --endpoints "$(url c0)" member add $n "http://127.0.0.1:${pport[$n]}" >/dev/null 2>&1 ||
    { bad "member add $n"; "$ctl" --endpoints "$(url c0)" member list; }
  members+=",$n=http://127.0.0.1:${pport[$n]}"
  start_member coordd $n "$work/$n.data" "$members" existing
  # Joined once it serves a quorum read of what was there before it.
  wait_for 20 "$ctl" --endpoints "$(url $n)" get --quorum /restored >/dev/null 2>&1 || bad "$n did not join"
done
wait_for 20 "$ctl" --endpoints "$(url c0)" cluster-health >"$work/after.txt" 2>&1 && ok "3 members again, cluster is healthy" ||
  { bad "cluster-health after the restore"; cat "$work/after.txt"; }
"$ctl" --endpoints "$(url c2)" set /after-restore 1 >/dev/null &&
  [ "$("$ctl" --endpoints "$(url c1)" get --quorum /after-restore)" = 1 ] &&
  [ "$("$ctl" --endpoints "$(url c2)" get --quorum /data/k299)" = v299 ] &&
  ok "a new member serves the restored data and new writes" || bad "writes after the restore"
exit $fail

#!/usr/bin/env bash
# coordctl dump, load and mirror between real etcd and coordd, both ways.
#  1. A tree of KEYS keys (directories, an empty directory, a directory with a TTL, keys with
#     TTLs) is loaded into etcd, dumped, loaded into coordd, dumped again: the dumps must be equal
#     (TTLs compared as "has a TTL", and one TTL checked to be the seconds left). load refuses an
#     existing tree (etcd's 105, exit 4, nothing written) and takes it with --overwrite; a hidden
#     key goes along only when named with --hidden. Then the coordd dump goes back into etcd and
#     must equal the original. load shows a bar on a terminal (run under script(1)) and plain
#     lines, at most one a second, otherwise. mirror's first copy of the whole tree, etcd ->
#     coordd and back, each onto a destination without it, must equal the source.
#  2. mirror etcd -> coordd and coordd -> etcd: the initial copy, then sets, updates, deletes, a
#     directory made and removed, a directory's TTL changed, a key that expires at the source;
#     the destination must come to equal the source. Then the mirror is frozen (SIGSTOP) while
#     more than the event history (1000 events) is written at the source and a key is deleted:
#     thawed, it meets etcd's 401, says it copies again, and the destination equals the source
#     (the deleted key gone). SIGTERM stops it with exit 0.
# KEYS (default 100000, the size README's figures are of) sets the tree's size; each step's time
# is printed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
ctl=$bin/coordctl
keys=${KEYS:-100000}
work=$(mktemp -d)
pids=(); dirs=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work" "${dirs[@]}"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

start() {  # KIND VAR: starts a server, its URL in VAR
  start_server "$1" || { echo "FAIL: cannot start $1"; exit 1; }
  pids+=("$SERVER_PID"); dirs+=("$SERVER_DIR")
  printf -v "$2" '%s' "$SERVER_URL"
  SERVER_PID=; SERVER_DIR=
}
start etcd etcd
start coordd coordd

# The dump with every TTL replaced by T: what must be equal between two servers.
shape() { "$ctl" --endpoints "$1" dump "$2" 2>/dev/null | sed -E 's/"ttl":-?[0-9]+/"ttl":T/' | LC_ALL=C sort; }
same_tree() {  # URL1 URL2 PREFIX: each tree dumped once (a dump of 100,000 keys takes a while)
  local a b
  a=$(shape "$1" "$3") && [ -n "$a" ] && b=$(shape "$2" "$3") && [ "$a" = "$b" ]
}

# ---- 1. dump and load
{
  echo '{"key":"/data","dir":true}'
  echo '{"key":"/data/empty","dir":true}'
  echo '{"key":"/data/expiring","dir":true,"ttl":600}'
  echo '{"key":"/data/expiring/k","value":"in a dir with a TTL"}'
  echo '{"key":"/data/ttl","value":"300 s","ttl":300}'
  awk -v n="$keys" 'BEGIN { for (i = 0; i < n; i++) {
      d = int(i / 100)
      if (i % 100 == 0) printf "{\"key\":\"/data/d%d\",\"dir\":true}\n", d
      if (i % 10 == 0) printf "{\"key\":\"/data/d%d/k%d\",\"value\":\"v%d\",\"ttl\":900}\n", d, i, i
      else printf "{\"key\":\"/data/d%d/k%d\",\"value\":\"v%d \\\" \\\\ \\u00e9\"}\n", d, i, i } }'
} >"$work/tree.jsonl"
entries=$(wc -l <"$work/tree.jsonl")
start_s=$(now_ms); loaded_at=$start_s
# On a terminal (script(1) gives it one): a bar redrawn in place with count, rate and time left.
script -qec "$ctl --endpoints $etcd load $work/tree.jsonl" /dev/null </dev/null >"$work/tty.out" 2>&1 ||
  bad "load into etcd: $(cat "$work/tty.out")"
echo "     load of $entries entries into etcd: $(( $(now_ms) - start_s )) ms"
grep -aqE $'\rload: \[#*\.*\] [0-9]+/'"$entries"' keys \([0-9]+%\), [0-9.k]+ keys/s, [0-9:]+ left' "$work/tty.out" &&
  grep -aq "load: $entries/$entries keys, .* done in" "$work/tty.out" &&
  ok "load on a terminal: a progress bar with count, rate and time left" || { bad "no progress bar"; cat -v "$work/tty.out"; }
start_s=$(now_ms)
"$ctl" --endpoints "$etcd" dump /data >"$work/etcd.jsonl" 2>"$work/dump.err" || bad "dump of etcd"
echo "     dump of etcd: $(( $(now_ms) - start_s )) ms"
[ "$(wc -l <"$work/etcd.jsonl")" -eq "$entries" ] && ok "dump of etcd has every entry ($entries)" ||
  bad "dump of etcd has $(wc -l <"$work/etcd.jsonl") entries, not $entries"
grep -q "^dump: $entries/$entries keys, .* done in" "$work/dump.err" && ! grep -q $'\r' "$work/dump.err" &&
  ok "dump not on a terminal: plain progress lines, the last one the total" || { bad "dump progress"; cat "$work/dump.err"; }
start_s=$(now_ms)
"$ctl" --endpoints "$coordd" load "$work/etcd.jsonl" 2>"$work/load2.err" || bad "load into coordd"
took=$(( $(now_ms) - start_s ))
echo "     load of $entries entries into coordd: $took ms"
# Not a terminal: plain lines, at most one a second, the last one the total.
[ "$(wc -l <"$work/load2.err")" -le $(( took / 1000 + 1 )) ] && ! grep -q $'\r' "$work/load2.err" &&
  grep -q "^load: $entries/$entries keys, .* done in" "$work/load2.err" &&
  ok "load not on a terminal: plain progress lines, at most one a second" || { bad "progress lines"; cat "$work/load2.err"; }
same_tree "$etcd" "$coordd" /data && ok "etcd -> coordd: the trees are equal" || bad "etcd -> coordd: the trees differ"
ttl=$("$ctl" --endpoints "$coordd" dump /data/ttl 2>/dev/null | sed -nE 's/.*"ttl":([0-9]+).*/\1/p')
# 300 s when loaded into etcd, less the time since, less a margin for rounding.
[ -n "$ttl" ] && [ "$ttl" -le 300 ] && [ "$ttl" -ge $(( 300 - ($(now_ms) - loaded_at) / 1000 - 3 )) ] && ok "a TTL arrives as the seconds left ($ttl)" ||
  bad "the TTL of /data/ttl is '$ttl'"
"$ctl" --endpoints "$coordd" -o json get /data/expiring | grep -q '"dir":true.*"ttl"' &&
  ok "a directory keeps its TTL" || bad "the directory /data/expiring lost its TTL"

"$ctl" --endpoints "$coordd" set /data/d0/k1 changed >/dev/null
out=$("$ctl" --endpoints "$coordd" load "$work/etcd.jsonl" 2>&1); rc=$?
[ $rc -eq 4 ] && [[ "$out" == *"Error:  105: Key already exists (/data)"* ]] &&
  [ "$("$ctl" --endpoints "$coordd" get /data/d0/k1)" = changed ] &&
  ok "load refuses an existing tree (rc 4, 105) and writes nothing" || bad "load over an existing tree: rc=$rc $out"
"$ctl" --endpoints "$coordd" load --overwrite "$work/etcd.jsonl" 2>/dev/null &&
  [ "$("$ctl" --endpoints "$coordd" get /data/d0/k1)" != changed ] && ok "load --overwrite replaces" ||
  bad "load --overwrite"
out=$(printf '{"key":"/x","value":1}\n' | "$ctl" --endpoints "$coordd" load - 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"line 1"* ]] && ok "a bad line is refused with its number (rc 1)" || bad "bad line: rc=$rc $out"
out=$(printf '{"key":"/x","value":"1"}\n{"key":"/x//y","value":"1"}\n' | "$ctl" --endpoints "$coordd" load - 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"line 2: key must be a path"* ]] && ! "$ctl" --endpoints "$coordd" get /x >/dev/null 2>&1 &&
  ok "a bad key is refused before anything is written (rc 1)" || bad "bad key: rc=$rc $out"

# Hidden keys: never listed by v2, dumped when named with --hidden.
"$ctl" --endpoints "$etcd" set /data/_secret s >/dev/null
"$ctl" --endpoints "$etcd" dump /data 2>/dev/null | grep -q _secret && bad "a hidden key was dumped without --hidden"
"$ctl" --endpoints "$etcd" dump /data --hidden /data/_secret 2>/dev/null | "$ctl" --endpoints "$coordd" load --overwrite - 2>/dev/null &&
  [ "$("$ctl" --endpoints "$coordd" get /data/_secret)" = s ] && ok "dump --hidden KEY takes a hidden key along" ||
  bad "dump --hidden"
start_s=$(now_ms)
"$ctl" --endpoints "$coordd" dump /data >"$work/coordd.jsonl" 2>/dev/null
echo "     dump of coordd: $(( $(now_ms) - start_s )) ms"
"$ctl" --endpoints "$etcd" rm /data --recursive >/dev/null
start_s=$(now_ms)
"$ctl" --endpoints "$etcd" load "$work/coordd.jsonl" 2>/dev/null || bad "load of coordd's dump into etcd"
echo "     load of coordd's dump into etcd: $(( $(now_ms) - start_s )) ms"
same_tree "$etcd" "$coordd" /data && diff <(sed -E 's/"ttl":-?[0-9]+/"ttl":T/' "$work/etcd.jsonl" | LC_ALL=C sort) <(shape "$etcd" /data) >/dev/null &&
  ok "coordd -> etcd: the tree is back as it was" || bad "coordd -> etcd: the trees differ"

# mirror's first copy of the whole tree, both ways, each onto a destination without it.
whole_tree_mirror() {  # FROM-URL TO-URL LABEL
  local from=$1 to=$2 label=$3 mpid
  "$ctl" --endpoints "$to" rm /data --recursive >/dev/null
  start_s=$(now_ms)
  "$ctl" mirror --from "$from" --to "$to" /data 2>"$work/whole.err" &
  mpid=$!; pids+=("$mpid")
  wait_for 120 grep -q "^mirror: copy: $entries/$entries keys, .* done in" "$work/whole.err" &&
    echo "     $label, first copy of $entries entries: $(( $(now_ms) - start_s )) ms" &&
    same_tree "$from" "$to" /data && ok "$label: the whole tree's first copy" ||
    { bad "$label: the whole tree's first copy"; cat "$work/whole.err"; }
  kill -TERM "$mpid"; wait "$mpid"
}
whole_tree_mirror "$etcd" "$coordd" "mirror etcd -> coordd"
whole_tree_mirror "$coordd" "$etcd" "mirror coordd -> etcd"

# ---- 2. mirror
mirror_case() {  # FROM-URL TO-URL LABEL
  local from=$1 to=$2 label=$3 mpid i
  "$ctl" --endpoints "$from" mkdir /m/dir >/dev/null
  "$ctl" --endpoints "$from" set /m/a 1 >/dev/null
  "$ctl" --endpoints "$from" set /m/t 2 --ttl 600 >/dev/null
  "$ctl" mirror --from "$from" --to "$to" /m 2>"$work/mirror.err" &
  mpid=$!; pids+=("$mpid")
  wait_for 20 same_tree "$from" "$to" /m && ok "$label: first copy" || bad "$label: first copy"
  # Its last progress line follows the last write of the copy.
  wait_for 5 grep -q "^mirror: copy: [0-9]*/[0-9]* keys, .* done in" "$work/mirror.err" && ok "$label: the first copy's progress" ||
    { bad "$label: no progress line for the first copy"; cat "$work/mirror.err"; }
  "$ctl" --endpoints "$from" set /m/a 2 >/dev/null
  "$ctl" --endpoints "$from" update /m/t 3 --ttl 500 >/dev/null
  "$ctl" --endpoints "$from" set /m/new/deep x >/dev/null
  "$ctl" --endpoints "$from" mkdir /m/gone >/dev/null
  "$ctl" --endpoints "$from" rmdir /m/gone >/dev/null
  # A directory's TTL changes with PUT dir=true&prevExist=true (etcdctl's updatedir).
  curl -sf -XPUT "$from/v2/keys/m/dir?dir=true&prevExist=true&ttl=400" >/dev/null
  "$ctl" --endpoints "$from" set /m/short s --ttl 1 >/dev/null
  "$ctl" --endpoints "$from" rm /m/a >/dev/null
  "$ctl" --endpoints "$from" set /m/last z >/dev/null
  wait_for 20 same_tree "$from" "$to" /m && ! "$ctl" --endpoints "$to" get /m/a >/dev/null 2>&1 &&
    ok "$label: follows sets, updates, deletes and directories" || bad "$label: did not follow the writes"
  "$ctl" --endpoints "$to" -o json get /m/dir | grep -q '"ttl"' && ok "$label: a directory's TTL change is mirrored" ||
    bad "$label: /m/dir has no TTL at the destination"
  wait_for 10 bash -c "! '$ctl' --endpoints '$to' get /m/short >/dev/null 2>&1" &&
    ok "$label: an expiration at the source removes the key" || bad "$label: /m/short did not go"

  kill -STOP "$mpid"
  "$ctl" --endpoints "$from" rm /m/last >/dev/null
  "$ctl" --endpoints "$from" rm /m/new --recursive >/dev/null  # a directory becomes a file
  "$ctl" --endpoints "$from" set /m/new file >/dev/null
  awk 'BEGIN { print "{\"key\":\"/m/bulk\",\"dir\":true}"; for (i = 0; i < 1100; i++) printf "{\"key\":\"/m/bulk/%d\",\"value\":\"%d\"}\n", i, i }' |
    "$ctl" --endpoints "$from" load - 2>/dev/null
  "$ctl" --endpoints "$from" set /m/after yes >/dev/null
  kill -CONT "$mpid"
  wait_for 30 same_tree "$from" "$to" /m && ! "$ctl" --endpoints "$to" get /m/last >/dev/null 2>&1 &&
    grep -q "copying /m again" "$work/mirror.err" &&
    [ "$("$ctl" --endpoints "$to" get /m/new)" = file ] &&
    ok "$label: resumes after 401 with a re-copy (a key deleted meanwhile is gone, a directory turned file)" ||
    { bad "$label: no resume after 401"; cat "$work/mirror.err"; }
  kill -TERM "$mpid"; wait "$mpid"; local rc=$?
  [ $rc -eq 0 ] && grep -q "mirror: stopped" "$work/mirror.err" && ok "$label: SIGTERM stops it (rc 0)" || bad "$label: rc=$rc after SIGTERM"
}
mirror_case "$etcd" "$coordd" "mirror etcd -> coordd"
"$ctl" --endpoints "$etcd" rm /m --recursive >/dev/null
"$ctl" --endpoints "$coordd" rm /m --recursive >/dev/null
mirror_case "$coordd" "$etcd" "mirror coordd -> etcd"
exit $fail

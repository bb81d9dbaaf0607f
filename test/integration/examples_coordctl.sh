#!/usr/bin/env bash
# coordctl against etcdctl v2: the same script of commands (keys, dirs, CAS, errors, ls, json and
# extended output, watch after an index, exec-watch, lock) runs once with etcdctl on a fresh etcd
# and once with coordctl on a fresh etcd, and once with coordctl on a fresh coordd; outputs and
# exit codes must be identical. Skips the etcdctl leg when etcdctl is not installed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../examples/testing/servers.bash"
bin=$(dirname "${COORDD:?COORDD must point at stage/bin/coordd}")
work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT
fail=0

script() {  # CTL: prints a transcript of outputs and exit codes
  local ctl=$1
  run() { echo "\$ $*"; "$ctl" --endpoints "$SERVER_URL" "$@" 2>&1; echo "rc=$?"; }
  run set /a/b 1
  run get /a/b
  run mk /a/b 2
  run mk /a/c 3
  run get /a
  run get /nope
  run update /a/b 4
  run update /nope 4
  run set /a/b 5 --swap-with-value 4
  run set /a/b 6 --swap-with-value 4
  run set /a/b 7 --swap-with-index 1
  run mkdir /d
  run mkdir /d
  run mkdir /d/e
  run ls --sort
  run ls --sort --recursive
  run ls / --sort --recursive -p
  run -o json get /a/b
  run -o json ls /a --sort
  run -o extended get /a/c
  run -o json set /a/b 8
  run rm /a/c
  run rm /a/c
  run rm /d
  run rmdir /d/e
  run rmdir /d
  run rm /a --recursive
  run watch /a/b --after-index 1
  run -o json watch /a/b --after-index 2
  run bogus
}

script_coordctl_only() {  # CTL: commands etcdctl 3.4 cannot be compared on
  local ctl=$1
  # exec-watch runs forever: stopped by timeout (rc 124) once the history is replayed. (etcdctl
  # 3.4's exec-watch printed no command output at all here, so it is compared coordd vs etcd only.)
  echo "\$ exec-watch --after-index 1 /a/b"
  timeout 3 "$ctl" --endpoints "$SERVER_URL" exec-watch --after-index 1 /a/b -- \
      sh -c 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE $ETCD_WATCH_MODIFIED_INDEX"' 2>&1
  echo "rc=$?"
  echo "\$ lock"
  "$ctl" --endpoints "$SERVER_URL" lock L1 --ttl 5 -- sh -c 'echo "holding $COORD_LOCK_KEY"; exit 7'
  echo "rc=$?"
}

transcript() {  # KIND CTL OUT
  start_server "$1" || { echo "FAIL: cannot start $1"; fail=1; return 1; }
  ETCDCTL_API=2 script "$2" >"$3"
  if [[ "$2" == *coordctl ]]; then script_coordctl_only "$2" >"$3.only"; fi
  stop_server
}

ctl_etcd=$(command -v etcdctl || true)
transcript etcd "$bin/coordctl" "$work/coordctl-etcd.txt"
transcript coordd "$bin/coordctl" "$work/coordctl-coordd.txt"
if [ -n "$ctl_etcd" ]; then
  transcript etcd "$ctl_etcd" "$work/etcdctl-etcd.txt"
  if diff "$work/etcdctl-etcd.txt" "$work/coordctl-etcd.txt"; then
    echo "ok   coordctl output = etcdctl output on etcd ($(grep -c '^\$' "$work/etcdctl-etcd.txt") commands)"
  else
    echo "FAIL coordctl differs from etcdctl (above: < etcdctl, > coordctl)"; fail=1
  fi
fi
if diff "$work/coordctl-etcd.txt" "$work/coordctl-coordd.txt" &&
   diff "$work/coordctl-etcd.txt.only" "$work/coordctl-coordd.txt.only" &&
   grep -q '^set /a/b 1 4$' "$work/coordctl-etcd.txt.only" && grep -q '^rc=7$' "$work/coordctl-etcd.txt.only"; then
  echo "ok   coordctl on coordd = coordctl on etcd"
else
  echo "FAIL coordctl on coordd differs from etcd (< etcd, > coordd)"; fail=1
fi
exit $fail

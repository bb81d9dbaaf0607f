#!/usr/bin/env bash
# profile.sh — where one coordd member's CPU goes under compare.sh's PUT or GET load, from the
# kernel's counters: perf stat (task-clock, context switches, every syscall's entry tracepoint)
# and perf record -g over a wrk run, each divided by the requests wrk completed in it.
#
#   test/bench/profile.sh [put|get] [SECONDS]     # default: put 5
#
# The load is wrk -t2 -c64 with test/bench/wrk/put.lua or get.lua (66-byte values over 10k keys,
# like compare.sh's throughput rows), after a 2 s PUT warm-up that also writes every key. perf
# counts only the coordd process (-p), for exactly the lifetime of the wrk run it wraps, so the
# requests wrk reports are the requests of the counted window. Needs perf (Debian's linux-perf),
# wrk and access to the syscalls tracepoints (root). COORDD [stage/bin/coordd] (COORDD=/usr/bin/etcd
# profiles etcd 3.4 the same way: it takes the same flags);
# PROFILE_KEEP=DIR keeps perf.data and the outputs. The process started here is killed by pid.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORKLOAD=${1:-put}
SECONDS_RUN=${2:-5}
COORDD=${COORDD:-$ROOT/stage/bin/coordd}
[[ $WORKLOAD == put || $WORKLOAD == get ]] || { echo "profile.sh: workload is put or get" >&2; exit 2; }
for tool in perf wrk curl; do
  command -v "$tool" >/dev/null || { echo "profile.sh: needs $tool" >&2; exit 2; }
done
[[ -x "$COORDD" ]] || { echo "profile.sh: missing executable '$COORDD'" >&2; exit 2; }

WORK=$(mktemp -d /tmp/coord-profile.XXXXXX)
PID=""
cleanup() {
  if [[ -n "$PID" ]]; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [[ -n "${PROFILE_KEEP:-}" ]]; then mkdir -p "$PROFILE_KEEP" && cp -r "$WORK"/. "$PROFILE_KEEP"/; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {  # a port below the ephemeral range that nothing answers on
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
client=$(free_port)
peer=$(free_port)
while [[ $peer == "$client" ]]; do peer=$(free_port); done
URL=http://127.0.0.1:$client
"$COORDD" --name m0 --data-dir "$WORK/m0" --listen-client-urls "$URL" --advertise-client-urls "$URL" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "m0=http://127.0.0.1:$peer" --initial-cluster-state new --enable-v2=true \
  >"$WORK/coordd.log" 2>&1 &
PID=$!
deadline=$((SECONDS + 30))
until curl -sf -m 2 -XPUT "$URL/v2/keys/profile-ready" -d value=1 >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { echo "profile.sh: coordd not writable at $URL" >&2; exit 1; }
  sleep 0.1
done

LUA=$ROOT/test/bench/wrk/$WORKLOAD.lua
wrk -t2 -c64 -d2s -s "$ROOT/test/bench/wrk/put.lua" "$URL" >"$WORK/warmup.txt"

# requests FILE: the requests wrk completed ("N requests in Ts").
requests() { awk '/requests in/ { print $1 }' "$1"; }

# 1. CPU and context switches; 2. every syscall's entries, and the reads that returned EAGAIN
# (recvfrom or recvmsg for coordd, read for etcd), in a run of their own (the 360
# tracepoints slow the server down, which changes how much each fdatasync and wake-up batches);
# 3. samples with call chains (frame pointers: full in the kernel, shallow in coordd's code).
perf stat -x, -o "$WORK/stat.csv" -e task-clock,context-switches,cpu-migrations \
  -p "$PID" -- wrk -t2 -c64 -d"${SECONDS_RUN}s" -s "$LUA" "$URL" >"$WORK/wrk-stat.txt"
perf stat -x, -o "$WORK/syscalls.csv" -e 'syscalls:sys_enter_*' \
  -e syscalls:sys_exit_recvmsg --filter 'ret == -11' -e syscalls:sys_exit_recvfrom --filter 'ret == -11' \
  -e syscalls:sys_exit_read --filter 'ret == -11' \
  -p "$PID" -- wrk -t2 -c64 -d"${SECONDS_RUN}s" -s "$LUA" "$URL" >"$WORK/wrk-syscalls.txt"
perf record -q -g -F 999 -o "$WORK/perf.data" -p "$PID" -- \
  wrk -t2 -c64 -d"${SECONDS_RUN}s" -s "$LUA" "$URL" >"$WORK/wrk-record.txt" 2>/dev/null

rps() { awk '/Requests\/sec/ { print $2 }' "$1"; }
n=$(requests "$WORK/wrk-stat.txt")
echo "$(basename "$COORDD"), 1 member, $WORKLOAD, wrk -t2 -c64 -d${SECONDS_RUN}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "perf stat window: $n requests ($(rps "$WORK/wrk-stat.txt") req/s)"
# perf stat -x, lines: value,unit,event,...
awk -F, -v n="$n" '
  $3 == "task-clock" { printf "  CPU: %.1f µs per request (task-clock %.0f ms)\n", $1 * 1000 / n, $1 }
  $3 == "context-switches" { printf "  context switches: %.2f per request\n", $1 / n }
  $3 == "cpu-migrations" { printf "  CPU migrations: %.3f per request\n", $1 / n }
  ' "$WORK/stat.csv"
n=$(requests "$WORK/wrk-syscalls.txt")
echo "syscall window: $n requests ($(rps "$WORK/wrk-syscalls.txt") req/s)"
awk -F, -v n="$n" '$3 ~ /^syscalls:sys_enter_/ { total += $1 }
  END { printf "  syscalls: %.2f per request; by name, per request:\n", total / n }' "$WORK/syscalls.csv"
awk -F, -v n="$n" '$3 ~ /^syscalls:sys_enter_/ && $1 / n >= 0.005 {
    name = $3; sub(/^syscalls:sys_enter_/, "", name); printf "    %-20s %.3f\n", name, $1 / n
  }' "$WORK/syscalls.csv" | sort -k2,2 -rn
awk -F, -v n="$n" '$3 ~ /^syscalls:sys_exit_(recvmsg|recvfrom|read)$/ { empty += $1 }
  END { printf "  of which reads that found nothing to read (EAGAIN): %.3f per request\n", empty / n }' "$WORK/syscalls.csv"
echo
echo "perf record window: $(requests "$WORK/wrk-record.txt") requests; samples by where they ran:"
perf report -i "$WORK/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 8
echo
echo "top functions by self time (percent of the server's samples):"
perf report -i "$WORK/perf.data" --no-children --sort sym --stdio -g none --percent-limit 0.8 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | head -n 40
echo
echo "syscalls and their callees, by total time (children):"
perf report -i "$WORK/perf.data" --children --sort sym --stdio -g none 2>/dev/null | grep -v '^#' \
  | grep -E '__x64_sys_|__sys_recvmsg|\] schedule$|tcp_v4_rcv|do_syscall_64|asm_|irq|softirq' | head -n 25

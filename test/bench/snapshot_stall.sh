#!/usr/bin/env bash
# snapshot_stall.sh — what local snapshots cost the writes around them: one coordd member loads
# KEYS keys (30 B keys, 128 B values over 64 connections, like compare.sh's 1M row) while a
# sequential client writes one key after another beside it, once with snapshots every
# STALL_SNAPSHOT_COUNT entries and once with none (--snapshot-count past the load), alternated
# STALL_ROUNDS times. The no-snapshot runs are the baseline: what the loaded machine does to a
# PUT without any snapshot. Prints per run: the load's rate, p99 and max, the sequential client's
# worst max and median p99 over its 1-second runs, the number of snapshots and the time each
# took on the raft loop (coordd's "capture-on-raft-loop", from its log).
#
# Settings (environment):
#   COORDD [stage/bin/coordd]  BENCH [coord-bench found under bin/]
#   STALL_KEYS [1000000]  STALL_SNAPSHOT_COUNT [10000]  STALL_ROUNDS [2]
#   STALL_KEEP_LOGS []    a directory the members' logs are copied to on exit
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COORDD=${COORDD:-$ROOT/stage/bin/coordd}
BENCH=${BENCH:-$(find "$ROOT/bin" -name coord-bench -type f -perm -u+x 2>/dev/null | head -n 1 || true)}
KEYS=${STALL_KEYS:-1000000}
SNAPSHOT_COUNT=${STALL_SNAPSHOT_COUNT:-10000}
ROUNDS=${STALL_ROUNDS:-2}
[[ -x "$COORDD" && -x "$BENCH" ]] || { echo "need COORDD ($COORDD) and coord-bench (b2 test//benches)" >&2; exit 1; }

# shellcheck source=bench_env.sh
source "$ROOT/test/bench/bench_env.sh"
bench_env_init snapshot-stall "${STALL_KEEP_LOGS:-}"

field() { tr '\t' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# run NAME SNAPSHOT_COUNT: one fresh member, the load and the sequential client; prints one line.
run() {
  local name=$1 count=$2 client peer pid load_pid dir=$WORK/$1
  client=http://127.0.0.1:$(free_port)
  peer=http://127.0.0.1:$(free_port)
  "$COORDD" --name default --data-dir "$dir" --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "default=$peer" \
    --snapshot-count "$count" >"$LOGS/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  local deadline=$((SECONDS + 30))
  until curl -sf -m 1 "$client/version" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)) || { log "$name: coordd did not start"; tail -n 3 "$LOGS/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  "$BENCH" --format=tsv --threads=2 --workload=load --keys="$KEYS" --key-size=30 --value-size=128 --connections=64 \
    --prefix=/big --endpoints="$client" >"$WORK/$name.load" 2>"$LOGS/$name.load.err" &
  load_pid=$!
  PIDS+=("$load_pid")
  # The sequential client in 1-second runs for as long as the load lasts (coord-bench prints
  # only at the end of a run).
  : >"$WORK/$name.seq"
  while kill -0 "$load_pid" 2>/dev/null; do
    "$BENCH" --format=tsv --workload=put --connections=1 --threads=1 --duration=1 --keys=100 --prefix=/seq \
      --endpoints="$client" 2>>"$LOGS/$name.seq.err" | grep 'phase=measure' >>"$WORK/$name.seq" || true
  done
  wait "$load_pid" || { log "$name: the load failed"; exit 1; }
  local load seq snaps
  load=$(grep 'phase=measure' "$WORK/$name.load" | tail -n 1)
  seq=$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "max_us") m = kv[2] > m ? kv[2] : m;
                 if (kv[1] == "p99_us") p[++n] = kv[2] } }
             END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (p[j] < p[i]) { t = p[i]; p[i] = p[j]; p[j] = t }
                   printf "%d runs, max %.1f ms, median p99 %.1f ms", n, m / 1000, n ? p[int((n + 1) / 2)] / 1000 : 0 }' \
        "$WORK/$name.seq")
  snaps=$({ grep -o 'capture-on-raft-loop: [0-9.]*[mµ]*s' "$LOGS/$name.log" || true; } |
            awk '{ v = $2; if (v ~ /µs$/) { sub(/µs$/, "", v); v /= 1000 } else if (v ~ /ms$/) sub(/ms$/, "", v); else { sub(/s$/, "", v); v *= 1000 }; print v }' |
            sort -g | awk '{ s[NR] = $1 } END { if (NR) printf "%d snapshots, on the raft loop median %.1f ms, max %.1f ms", NR, s[int((NR + 1) / 2)], s[NR]; else printf "no snapshot" }')
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  printf '%-14s load %s keys/s p99 %.1f ms max %.1f ms | sequential PUT: %s | %s | load average %s\n' "$name" \
    "$(printf '%.0f' "$(field rps "$load")")" "$(awk -v u="$(field p99_us "$load")" 'BEGIN { print u / 1000 }')" \
    "$(awk -v u="$(field max_us "$load")" 'BEGIN { print u / 1000 }')" "$seq" "$snaps" "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "snapshot_stall.sh: $KEYS keys, snapshots every $SNAPSHOT_COUNT entries against none, $ROUNDS rounds, $(nproc) cores"
for ((r = 1; r <= ROUNDS; r++)); do
  run "none-$r" 1000000000
  run "every-$r" "$SNAPSHOT_COUNT"
done

#!/usr/bin/env bash
# catchup.sh — a follower far behind a 1M-key store catches up through a snapshot: what that costs
# the leader. A 3-member coordd cluster on 127.0.0.1 (--snapshot-count 10000); one follower is
# stopped (SIGTERM), KEYS keys are loaded through the leader (30 B keys, 128 B values, like
# compare.sh's 1M row), a sequential client measures PUT latency on the leader (the "before"),
# then the follower is restarted while the same client runs again (the "during") and the leader's
# RSS is sampled from /proc every 100 ms. Prints the leader's RSS before / peak / after, the
# catch-up time (restart until the follower's X-Raft-Index reaches the leader's at the restart)
# and PUT p50 / p99 / max before and during. Goals: RSS growth <= 64 MB, p99 during <= 2x before.
#
# Settings (environment):
#   COORDD [stage/bin/coordd]  BENCH [coord-bench found under bin/]
#   CATCHUP_KEYS [1000000]     keys loaded while the follower is down
#   CATCHUP_SEQ [15]           seconds of each sequential PUT run (before, during)
#   CATCHUP_KEEP_LOGS []       a directory the members' logs are copied to on exit
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COORDD=${COORDD:-$ROOT/stage/bin/coordd}
BENCH=${BENCH:-$(find "$ROOT/bin" -name coord-bench -type f -perm -u+x 2>/dev/null | head -n 1 || true)}
KEYS=${CATCHUP_KEYS:-1000000}
SEQ=${CATCHUP_SEQ:-15}
[[ -x "$COORDD" && -x "$BENCH" ]] || { echo "need COORDD ($COORDD) and coord-bench (b2 test//benches)" >&2; exit 1; }

# shellcheck source=bench_env.sh
source "$ROOT/test/bench/bench_env.sh"
bench_env_init catchup "${CATCHUP_KEEP_LOGS:-}"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
field() { tr '\t' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
raft_index() { curl -sf -m 2 -o /dev/null -D - "$1/v2/keys/catchup-mark" 2>/dev/null | tr -d '\r' | sed -n 's/^X-Raft-Index: //Ip'; }

N=3
CLIENT=(); PEER=(); CMD=(); PID=()
cluster=""
token=catchup-$RANDOM
for ((i = 0; i < N; i++)); do
  CLIENT+=("http://127.0.0.1:$(free_port)"); PEER+=("http://127.0.0.1:$(free_port)")
  cluster+="${cluster:+,}m$i=${PEER[i]}"
done
start() {  # start I
  # shellcheck disable=SC2086
  ${CMD[$1]} >>"$LOGS/m$1.log" 2>&1 &
  PID[$1]=$!
  PIDS+=("$!")
}
for ((i = 0; i < N; i++)); do
  CMD+=("$COORDD --name m$i --data-dir $WORK/m$i --listen-client-urls ${CLIENT[i]} --advertise-client-urls ${CLIENT[i]} \
--listen-peer-urls ${PEER[i]} --initial-advertise-peer-urls ${PEER[i]} --initial-cluster $cluster \
--initial-cluster-state new --initial-cluster-token $token --snapshot-count 10000")
  start "$i"
done
deadline=$((SECONDS + 60))
until curl -sf -m 2 -XPUT "${CLIENT[0]}/v2/keys/catchup-mark" -d value=0 >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { log "no writable cluster"; exit 1; }
  sleep 0.1
done
leader=0
for ((i = 0; i < N; i++)); do
  curl -sf -m 2 "${CLIENT[i]}/v2/stats/self" | grep -q '"StateLeader"' && leader=$i
done
follower=$(((leader + 1) % N))
L=${CLIENT[leader]}
log "leader m$leader (pid ${PID[leader]}), follower m$follower stopped"
kill -TERM "${PID[follower]}"; wait "${PID[follower]}" 2>/dev/null || true

out=$("$BENCH" --format=tsv --endpoints="$L" --workload=load --keys="$KEYS" --key-size=30 --value-size=128 \
  --connections=64 --prefix=/big 2>"$LOGS/load.err")
line=$(grep 'phase=measure' <<<"$out" | tail -n 1)
log "loaded $(field requests "$line") keys in $(field seconds "$line") s, errors $(field errors "$line")"
curl -sf -m 2 -XPUT "$L/v2/keys/catchup-mark" -d value=1 >/dev/null

seq_put() {  # seq_put NAME: one sequential client's PUTs on the leader for SEQ seconds
  "$BENCH" --format=tsv --endpoints="$L" --workload=put --connections=1 --threads=1 --keys=1000 \
    --prefix=/seq --duration="$SEQ" 2>"$LOGS/seq-$1.err" | grep 'phase=measure' | tail -n 1
}
before=$(seq_put before)
rss_before=$(rss_kb "${PID[leader]}")

target=$(raft_index "$L")
samples=$WORK/rss.txt
( while kill -0 "${PID[leader]}" 2>/dev/null; do rss_kb "${PID[leader]}" >>"$samples"; sleep 0.1; done ) &
sampler=$!
PIDS+=("$sampler")
seq_put during >"$WORK/during.tsv" &
seq_pid=$!
PIDS+=("$seq_pid")
t0=$(date +%s%N)
start "$follower"
F=${CLIENT[follower]}
caught=""
while kill -0 "$seq_pid" 2>/dev/null || [[ -z "$caught" ]]; do
  if [[ -z "$caught" ]]; then
    idx=$(raft_index "$F" || true)
    if [[ -n "$idx" ]] && ((idx >= target)); then caught=$(( ($(date +%s%N) - t0) / 1000000 )); fi
    ((SECONDS < deadline + 600)) || break
  fi
  sleep 0.05
done
wait "$seq_pid" 2>/dev/null || true
during=$(cat "$WORK/during.tsv")
rss_after=$(rss_kb "${PID[leader]}")
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$samples" | tail -n 1)
# A graceful stop: a member waits for its snapshot writer (and the child it may have forked), so
# nothing is still writing into the work dir when it is removed.
for ((i = 0; i < N; i++)); do kill -TERM "${PID[i]}" 2>/dev/null || true; done
for ((i = 0; i < N; i++)); do wait "${PID[i]}" 2>/dev/null || true; done

mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
echo "keys=$KEYS  snapshot-count=10000  seq-client=${SEQ}s"
echo "leader RSS MB: before $(mb "$rss_before")  peak $(mb "$peak")  after $(mb "$rss_after")  growth $(mb $((peak - rss_before)))"
echo "catch-up: ${caught:-not within the run} ms (follower X-Raft-Index >= $target)"
for row in before during; do
  l=${!row}
  printf 'leader PUT %-6s p50 %s us  p99 %s us  max %s us  (%s requests, %s errors)\n' "$row" \
    "$(field p50_us "$l")" "$(field p99_us "$l")" "$(field max_us "$l")" "$(field requests "$l")" "$(field errors "$l")"
done

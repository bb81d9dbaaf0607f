#!/usr/bin/env bash
# compare.sh — coordd against real etcd 3.4 (--enable-v2=true), same shapes, same workloads, same
# run, on loopback; prints one table with the ratio coordd/etcd per row (README.md targets), and
# next to each load row the servers' CPU time per 1,000 requests (utime + stime of every server
# process of the row, from /proc, over the measured run), which does not depend on how the shared
# cores are split between the servers and the load generator.
#
#   test/bench/compare.sh                 # full run, about 10 minutes on the 2-core machine
#   COMPARE_QUICK=1 test/bench/compare.sh # without the 1M-key rows
#
# Environment (defaults in brackets):
#   COORDD [stage/bin/coordd]  ETCD [/usr/bin/etcd]  BENCH [coord-bench found under bin/]
#   COMPARE_DURATION [10]      seconds of each throughput row
#   COMPARE_WARMUP [2]         seconds of the same load before each throughput row (not counted)
#   COMPARE_SEQ_DURATION [5]   seconds of the sequential-PUT row
#   COMPARE_CONNECTIONS [64]   COMPARE_THREADS [2]   (like wrk -t2 -c64)
#   COMPARE_WATCHERS [10000]   COMPARE_ROUNDS [3]    watch fan-out
#   COMPARE_BIG_KEYS [1000000] keys of the RSS / restart rows (≈30 B key, 128 B value)
#   COMPARE_QUICK [0]          1 = skip the RSS / restart rows
#   COMPARE_TLS [1]            0 = skip the https rows (one member, the same self-signed certificate)
#   COMPARE_PROXY [1]          0 = skip the proxy rows (a `--proxy on` of the same kind before one member)
#   COMPARE_PROXY_ONLY [0]     1 = run the proxy rows alone
#   COMPARE_TMPDIR [/tmp]      where both servers' data dirs go (same filesystem for both)
#   COMPARE_KEEP_LOGS [unset]  a directory to copy server and bench logs into
#
# Every process started here is killed by pid on exit; the data dirs are removed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COORDD=${COORDD:-$ROOT/stage/bin/coordd}
ETCD=${ETCD:-/usr/bin/etcd}
find_bench() { find "$ROOT/bin" -name coord-bench -type f -perm -u+x 2>/dev/null | head -n 1 || true; }
BENCH=${BENCH:-$(find_bench)}
# From a fresh checkout: install what is missing (.ci/setup --test: the compiler, etcd 3.4, curl)
# and build coordd and the benches (coord-bench, fsync-probe, tcp-fanout-floor) first.
if [[ ! -x "$ETCD" || ! -x "$COORDD" || -z "$BENCH" ]] || ! command -v curl >/dev/null; then
  echo "compare.sh: installing and building what is missing (.ci/setup --test; b2 stage and benches)" >&2
  bash "$ROOT/.ci/setup" --test >&2
  if [[ ! -x "$COORDD" || -z "$BENCH" ]]; then
    (cd "$ROOT" && b2 -j2 variant=release stage test//benches >&2)
    BENCH=${BENCH:-$(find_bench)}
  fi
fi
DURATION=${COMPARE_DURATION:-10}
WARMUP=${COMPARE_WARMUP:-2}
SEQ_DURATION=${COMPARE_SEQ_DURATION:-5}
CONNECTIONS=${COMPARE_CONNECTIONS:-64}
THREADS=${COMPARE_THREADS:-2}
WATCHERS=${COMPARE_WATCHERS:-10000}
ROUNDS=${COMPARE_ROUNDS:-3}
BIG_KEYS=${COMPARE_BIG_KEYS:-1000000}
QUICK=${COMPARE_QUICK:-0}
TLS=${COMPARE_TLS:-1}
PROXY=${COMPARE_PROXY:-1}
PROXY_ONLY=${COMPARE_PROXY_ONLY:-0}

for f in "$COORDD" "$ETCD" "$BENCH"; do
  [[ -x "$f" ]] || { echo "compare.sh: missing executable '$f'" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "compare.sh: needs curl" >&2; exit 2; }

BENCH_TMPDIR=${COMPARE_TMPDIR:-/tmp}
# shellcheck source=test/bench/bench_env.sh
source "$ROOT/test/bench/bench_env.sh"
bench_env_init compare "${COMPARE_KEEP_LOGS:-}"

# ---------------------------------------------------------------- clusters
# A self-signed certificate for 127.0.0.1 that coordd and etcd both serve in the https rows.
make_tls_cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" -days 2 \
    -subj /CN=compare -addext subjectAltName=IP:127.0.0.1 >"$LOGS/openssl.log" 2>&1
}

# start_cluster KIND N [SCHEME]: starts N members of KIND (coordd|etcd), client URLs http (or
# https, with the certificate of make_tls_cert); sets CLIENT_URLS, MEMBER_PIDS, MEMBER_CMDS (for
# a restart), DATA_DIRS and INITIAL_CLUSTER.
start_cluster() {
  local kind=$1 n=$2 scheme=${3:-http} bin i cluster="" token
  bin=$([[ $kind == coordd ]] && echo "$COORDD" || echo "$ETCD")
  token="cmp-$kind-$n-$RANDOM"
  CLIENT_URLS=(); MEMBER_PIDS=(); MEMBER_CMDS=(); DATA_DIRS=()
  local peers=()
  for ((i = 0; i < n; i++)); do
    CLIENT_URLS+=("$scheme://127.0.0.1:$(free_port)")
    peers+=("http://127.0.0.1:$(free_port)")
    cluster+="${cluster:+,}m$i=${peers[i]}"
  done
  INITIAL_CLUSTER=$cluster
  for ((i = 0; i < n; i++)); do
    local dir="$WORK/$kind-$n-m$i"
    DATA_DIRS+=("$dir")
    local cmd="$bin --name m$i --data-dir $dir --listen-client-urls ${CLIENT_URLS[i]}"
    cmd+=" --advertise-client-urls ${CLIENT_URLS[i]} --listen-peer-urls ${peers[i]}"
    cmd+=" --initial-advertise-peer-urls ${peers[i]} --initial-cluster $cluster"
    cmd+=" --initial-cluster-state new --initial-cluster-token $token --enable-v2=true"
    [[ $scheme == https ]] && cmd+=" --cert-file $WORK/tls-cert.pem --key-file $WORK/tls-key.pem"
    MEMBER_CMDS+=("$cmd")
    start_member "$kind-$n-m$i" "$cmd"
    MEMBER_PIDS+=("$STARTED_PID")
  done
  wait_writable "${CLIENT_URLS[0]}"
}

# start_member NAME CMD: starts one process, its output appended to $LOGS/NAME.log.
start_member() {
  # shellcheck disable=SC2086
  $2 >>"$LOGS/$1.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

stop_cluster() {
  local pid
  for pid in "${MEMBER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${MEMBER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "${DATA_DIRS[@]}"
  MEMBER_PIDS=()
}

# Waits (up to 60 s) until a PUT through URL succeeds: the cluster has a leader and serves writes.
wait_writable() {
  local deadline=$((SECONDS + 60))
  until curl -sfk -m 2 -XPUT "$1/v2/keys/compare-ready" -d value=1 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "no writable cluster at $1"; return 1; }
    sleep 0.1
  done
}

# Index into CLIENT_URLS of the leader ("state":"StateLeader" in /v2/stats/self).
leader_index() {
  local i
  for ((i = 0; i < ${#CLIENT_URLS[@]}; i++)); do
    if curl -sf -m 2 "${CLIENT_URLS[i]}/v2/stats/self" | grep -q '"StateLeader"'; then echo "$i"; return; fi
  done
  echo 0
}

# tool NAME: the path of a helper built with the benches (b2 test//benches), or nothing.
tool() { find "$ROOT/bin" -name "$1" -type f -perm -u+x 2>/dev/null | head -n 1 || true; }

# fdatasync_us [GAP_US]: the median time of a small WAL-like append + fdatasync in the work dir
# (the floor of a durable PUT), from fsync-probe, with GAP_US of sleep between writes (the
# cadence of a sequential client); without fsync-probe, dd's mean of 4 KiB dsync writes.
fdatasync_us() {
  local probe
  probe=$(tool fsync-probe)
  if [[ -n "$probe" ]]; then
    "$probe" "$WORK" 2000 512 "${1:-0}" | tr '\t' '\n' | sed -n 's/^p50_us=//p'
    return
  fi
  local n=500 secs
  secs=$(dd if=/dev/zero of="$WORK/dsync-probe" bs=4k count=$n oflag=dsync 2>&1 | awk '/copied/ { print $(NF-3) }')
  rm -f "$WORK/dsync-probe"
  awk -v s="$secs" -v n=$n 'BEGIN { printf "%.0f", s * 1e6 / n }'
}

# fanout_floor_ms: the p50 time for plain loopback TCP to carry one message to each of
# $WATCHERS connections (tcp-fanout-floor: one writer thread per core, like coordd's io
# threads; $THREADS readers, like coord-bench), or nothing without the tool.
fanout_floor_ms() {
  local floor
  floor=$(tool tcp-fanout-floor)
  [[ -n "$floor" ]] || return 0
  "$floor" "$WATCHERS" 5 300 "$(($(nproc) > 2 ? $(nproc) : 2))" "$THREADS" | tr '\t' '\n' | sed -n 's/^p50_ms=//p'
}

rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# cpu_ticks PID...: the CPU time the processes have used so far, user + system, every thread
# (fields 14 and 15 of /proc/PID/stat, in clock ticks of CLK_TCK), summed; nothing if one of
# them is gone. The command name (field 2) may hold spaces, so the fields are counted after its
# closing parenthesis.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
  local pid total=0 stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest  # state=$1 ... utime=$12 stime=$13
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# cpu_ms_per_1k BEFORE AFTER COUNT: CPU milliseconds per 1,000 of COUNT (µs per request) from
# two cpu_ticks readings, or nothing when a reading or the count is missing.
cpu_ms_per_1k() {
  awk -v b="$1" -v a="$2" -v n="$3" -v hz="$CLK_TCK" \
    'BEGIN { if (b != "" && a != "" && n > 0) printf "%.1f", (a - b) * 1e6 / hz / n }'
}

# ---------------------------------------------------------------- bench runs
# bench NAME ARGS...: runs coord-bench with --format=tsv and leaves its measured line in LINE;
# errors are shown and remembered for the table. (Not called in a subshell, so ERRORS sticks.)
declare -A ERRORS=()
LINE=""
bench() {
  local name=$1; shift
  local out rc=0
  out=$("$BENCH" --format=tsv --threads="$THREADS" "$@" 2>"$LOGS/bench-$name.err") || rc=$?
  echo "$out" >"$LOGS/bench-$name.tsv"
  local errors
  LINE=$(grep 'phase=measure' <<<"$out" | tail -n 1)
  errors=$(grep -o 'errors=[0-9]*' <<<"$out" | awk -F= '{ s += $2 } END { print s + 0 }')
  if ((rc != 0 || errors > 0)); then
    ERRORS[$name]=$errors
    log "$name: coord-bench exit $rc, $errors errors:"
    sed 's/^/    /' "$LOGS/bench-$name.err" | head -n 20 >&2
  fi
}

field() { tr '\t' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

declare -A RESULT=() CPU=()

# measure KIND ROW FIELD ARGS...: runs bench KIND-ROW with ARGS and keeps FIELD of its measured
# line as RESULT[KIND,ROW], and as CPU[KIND,ROW] the CPU milliseconds per 1,000 requests that
# MEMBER_PIDS (every server process of the row) used from just before coord-bench started to
# just after it ended. That window holds only the measured phase (no --prefill here) plus the
# connections' setup and the drain of at most one answer per connection, which are not counted
# as requests: a bias of well under 0.1% at 64 connections.
measure() {
  local kind=$1 row=$2 name=$3 before after; shift 3
  before=$(cpu_ticks "${MEMBER_PIDS[@]}")
  bench "$kind-$row" "$@"
  after=$(cpu_ticks "${MEMBER_PIDS[@]}")
  RESULT[$kind,$row]=$(field "$name" "$LINE")
  CPU[$kind,$row]=$(cpu_ms_per_1k "$before" "$after" "$(field requests "$LINE")")
}

# measure_load KIND ROW ARGS...: a throughput row: WARMUP seconds of the same load first (its
# figures are kept in the logs only), then measure KIND ROW rps ARGS with --duration=DURATION.
measure_load() {
  local kind=$1 row=$2; shift 2
  if ((WARMUP > 0)); then bench "$kind-$row-warmup" "$@" --duration="$WARMUP"; fi
  measure "$kind" "$row" rps "$@" --duration="$DURATION"
}

run_one_member() {
  local kind=$1 url line
  log "$kind: 1 member"
  start_cluster "$kind" 1
  url=${CLIENT_URLS[0]}
  measure_load "$kind" put1 --endpoints="$url" --workload=put --connections="$CONNECTIONS"
  measure_load "$kind" get1 --endpoints="$url" --workload=get --connections="$CONNECTIONS"
  measure "$kind" seq p50_us --endpoints="$url" --workload=put --connections=1 --threads=1 --duration="$SEQ_DURATION"
  # The round trip part of the sequential-PUT budget: a GET of a key written above, one at a time.
  measure "$kind" rtt p50_us --endpoints="$url" --workload=get --connections=1 --threads=1 --duration="$SEQ_DURATION"
  # The fan-out's CPU is over the whole coord-bench run (it has no separate measured window):
  # accepting the watchers' connections and, per round, every watcher's long poll and its answer;
  # divided by watchers x rounds, it is the CPU per notification (its long poll included).
  local before after
  before=$(cpu_ticks "${MEMBER_PIDS[@]}")
  bench "$kind-fanout" --endpoints="$url" --workload=watch-fanout --watchers="$WATCHERS" --rounds="$ROUNDS"
  after=$(cpu_ticks "${MEMBER_PIDS[@]}")
  line=$LINE
  RESULT[$kind,fanout]=$(awk -v us="$(field last_p50_us "$line")" 'BEGIN { printf "%.1f", us / 1000 }')
  CPU[$kind,fanout]=$(cpu_ms_per_1k "$before" "$after" \
    "$(awk -v w="$(field watchers "$line")" -v r="$(field rounds "$line")" 'BEGIN { print w * r }')")
  stop_cluster
}

# PUT and GET over https on one member (TLS on the client port only).
run_one_member_tls() {
  local kind=$1 url
  log "$kind: 1 member over https"
  start_cluster "$kind" 1 https
  url=${CLIENT_URLS[0]}
  measure_load "$kind" put1s --endpoints="$url" --workload=put --connections="$CONNECTIONS"
  measure_load "$kind" get1s --endpoints="$url" --workload=get --connections="$CONNECTIONS"
  stop_cluster
}

run_three_members() {
  local kind=$1 leader follower
  log "$kind: 3 members"
  start_cluster "$kind" 3
  leader=$(leader_index)
  follower=$(((leader + 1) % 3))
  wait_writable "${CLIENT_URLS[follower]}"
  measure_load "$kind" put3l --endpoints="${CLIENT_URLS[leader]}" --workload=put --connections="$CONNECTIONS"
  measure_load "$kind" put3f --endpoints="${CLIENT_URLS[follower]}" --workload=put --connections="$CONNECTIONS"
  measure_load "$kind" qget3 --endpoints="${CLIENT_URLS[leader]}" --workload=qget --connections="$CONNECTIONS"
  stop_cluster
}

# PUT and GET through a proxy of the same kind (`--proxy on`) in front of one member, and the
# latency the proxy adds: a sequential GET through it against the same GET straight to the member.
run_proxy() {
  local kind=$1 bin url port dir
  log "$kind: proxy before 1 member"
  start_cluster "$kind" 1
  bin=$([[ $kind == coordd ]] && echo "$COORDD" || echo "$ETCD")
  port=$(free_port)
  url="http://127.0.0.1:$port"
  dir="$WORK/$kind-proxy"
  start_member "$kind-proxy" "$bin --proxy on --data-dir $dir --listen-client-urls $url --initial-cluster $INITIAL_CLUSTER"
  MEMBER_PIDS+=("$STARTED_PID")
  DATA_DIRS+=("$dir")
  wait_writable "$url"
  measure_load "$kind" pxput --endpoints="$url" --workload=put --connections="$CONNECTIONS"
  measure_load "$kind" pxget --endpoints="$url" --workload=get --connections="$CONNECTIONS"
  measure "$kind" pxdirect p50_us --endpoints="${CLIENT_URLS[0]}" --workload=get --connections=1 --threads=1 --duration="$SEQ_DURATION"
  measure "$kind" pxrtt p50_us --endpoints="$url" --workload=get --connections=1 --threads=1 --duration="$SEQ_DURATION"
  RESULT[$kind,pxadded]=$(awk -v p="${RESULT[$kind,pxrtt]}" -v d="${RESULT[$kind,pxdirect]}" 'BEGIN { printf "%.0f", p - d }')
  stop_cluster
}

# 1M keys through one member: RSS after loading, then time from a fresh start to the first GET.
run_big() {
  local kind=$1 url line t0 t1 key
  log "$kind: $BIG_KEYS keys"
  start_cluster "$kind" 1
  url=${CLIENT_URLS[0]}
  bench "$kind-load" --endpoints="$url" --workload=load --keys="$BIG_KEYS" --key-size=30 --value-size=128 \
    --connections="$CONNECTIONS" --prefix=/big
  line=$LINE
  log "$kind: loaded $(field requests "$line") keys in $(field seconds "$line") s ($(field rps "$line") /s)"
  RESULT[$kind,rss]=$(rss_mb "${MEMBER_PIDS[0]}")
  key=$(printf '/big/k%0*d' $((30 - 6)) 7)
  kill -TERM "${MEMBER_PIDS[0]}"; wait "${MEMBER_PIDS[0]}" 2>/dev/null || true
  t0=$(now_ns)
  start_member "$kind-1-m0" "${MEMBER_CMDS[0]}"
  MEMBER_PIDS=("$STARTED_PID")
  until curl -sf -m 1 "$url/v2/keys$key" >/dev/null 2>&1; do
    kill -0 "$STARTED_PID" 2>/dev/null || { log "$kind died on restart"; break; }
    sleep 0.005
  done
  t1=$(now_ns)
  RESULT[$kind,restart]=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
  log "$kind: restart to serving ${RESULT[$kind,restart]} s, RSS after restart $(rss_mb "$STARTED_PID") MB"
  stop_cluster
}

# ---------------------------------------------------------------- the run
START=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
log "coordd $COORDD, etcd $ETCD ($("$ETCD" --version | head -n 1)), bench $BENCH"
log "work dir $WORK; durations ${DURATION}s (sequential ${SEQ_DURATION}s); $CONNECTIONS connections, $THREADS threads"
if [[ "$PROXY_ONLY" == 1 ]]; then
  TLS=0 QUICK=1 PROXY=1
else
  for kind in coordd etcd; do run_one_member "$kind"; done
  if [[ "$TLS" == 1 ]] && make_tls_cert; then
    for kind in coordd etcd; do run_one_member_tls "$kind"; done
  fi
  for kind in coordd etcd; do run_three_members "$kind"; done
fi
if [[ "$PROXY" == 1 ]]; then
  for kind in coordd etcd; do run_proxy "$kind"; done
fi
if [[ "$QUICK" != 1 ]]; then
  for kind in coordd etcd; do run_big "$kind"; done
fi

# ---------------------------------------------------------------- the table
ratio() {  # ratio C E: C / E to two places, or n/a
  if [[ -n "$1" && -n "$2" ]]; then
    awk -v c="$1" -v e="$2" 'BEGIN { if (e > 0) printf "%.2f", c / e; else print "n/a" }'
  else
    echo "n/a"
  fi
}

# row LABEL KEY UNIT TARGET [CPU_TARGET]: the figure of both servers and their ratio, then the
# servers' CPU per 1,000 requests of the same run and its ratio (— for a row without one).
row() {
  local c=${RESULT[coordd,$2]:-} e=${RESULT[etcd,$2]:-} cc=${CPU[coordd,$2]:-} ce=${CPU[etcd,$2]:-} note=""
  local cpu="— | — | — |"
  if [[ -n "$cc$ce" ]]; then cpu="${cc:-?} ms | ${ce:-?} ms | $(ratio "$cc" "$ce") |"; fi
  [[ -n "${ERRORS[coordd-$2]:-}" ]] && note+=" coordd errors: ${ERRORS[coordd-$2]};"
  [[ -n "${ERRORS[etcd-$2]:-}" ]] && note+=" etcd errors: ${ERRORS[etcd-$2]};"
  printf '| %s | %s %s | %s %s | %s | %s | %s %s |%s\n' "$1" "${c:-?}" "$3" "${e:-?}" "$3" "$(ratio "$c" "$e")" "$4" \
    "$cpu" "${5:-—}" "${note:+ $note}"
}

echo
echo "coordd vs etcd 3.4 — started $START; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Server CPU: ms of utime + stime of every server process of the row (each member; the proxy"
echo "and its member) per 1,000 requests completed, over the measured run (after ${WARMUP} s of warm-up"
echo "on the throughput rows); per 1,000 watcher notifications on the fan-out row. CLK_TCK=$CLK_TCK."
echo
echo "| row | coordd | etcd | coordd/etcd | target | CPU / 1k req, coordd | etcd | CPU coordd/etcd | CPU target |"
echo "|---|---|---|---|---|---|---|---|---|"
if [[ "$PROXY_ONLY" != 1 ]]; then
row "PUT, 1 member ($CONNECTIONS conns)" put1 "req/s" "≥ 2" "≤ 0.2"
row "GET, 1 member" get1 "req/s" "≥ 1.5" "≤ 0.25"
fi
if [[ "$TLS" == 1 ]]; then
  row "PUT over https, 1 member" put1s "req/s" "—"
  row "GET over https, 1 member" get1s "req/s" "—"
fi
if [[ "$PROXY_ONLY" != 1 ]]; then
row "PUT, 3 members, via leader" put3l "req/s" "≥ 2" "≤ 0.2"
row "PUT, 3 members, via follower" put3f "req/s" "≥ 2" "≤ 0.2"
row "GET quorum=true, 3 members (leader)" qget3 "req/s" "≥ 3" "≤ 0.25"
row "watch fan-out, $WATCHERS watchers on one key: PUT → last notified (p50 of $ROUNDS); CPU per 1k notifications" fanout "ms" "≤ 0.5" "≤ 0.25"
row "sequential PUT latency p50 (1 conn)" seq "µs" "≤ fdatasync + RTT + 50 µs"
row "sequential GET latency p50 (1 conn): the round trip" rtt "µs" "—"
fi
if [[ "$PROXY" == 1 ]]; then
  row "PUT through a proxy (--proxy on), 1 member behind" pxput "req/s" "≥ 1.5"
  row "GET through a proxy, 1 member behind" pxget "req/s" "≥ 1.5"
  row "sequential GET latency p50 through the proxy (1 conn)" pxrtt "µs" "—"
  row "latency the proxy adds: p50 through it − p50 direct" pxadded "µs" "coordd ≤ 100 µs"
fi
if [[ "$QUICK" != 1 ]]; then
  row "RSS after loading $BIG_KEYS keys (30 B key, 128 B value)" rss "MB" "≤ 0.25"
  row "restart to serving with $BIG_KEYS keys" restart "s" "≤ 0.5"
fi
echo
if [[ "$PROXY_ONLY" != 1 ]]; then
FSYNC_US=$(fdatasync_us)
echo "fdatasync on the data dirs' filesystem (fsync-probe p50 of a 512 B append + fdatasync): $FSYNC_US µs per write"
if [[ -n "${RESULT[coordd,rtt]:-}" && -n "${RESULT[coordd,seq]:-}" ]]; then
  # A server within the budget leaves a round trip + 50 µs between the end of one fdatasync and
  # the next write of a sequential client; on a machine whose idle CPUs sleep deeply, a write
  # after such a pause costs more than one back to back.
  GAP_US=$(awk -v r="${RESULT[coordd,rtt]}" 'BEGIN { printf "%.0f", r + 50 }')
  FSYNC_GAP_US=$(fdatasync_us "$GAP_US")
  echo "fdatasync at a sequential client's cadence (the same, $GAP_US µs of sleep between writes): $FSYNC_GAP_US µs per write"
  awk -v f="$FSYNC_US" -v g="$FSYNC_GAP_US" -v r="${RESULT[coordd,rtt]}" -v p="${RESULT[coordd,seq]}" 'BEGIN {
    b = f + r + 50; c = g + r + 50
    printf "sequential PUT budget: fdatasync %.0f + round trip %.0f + 50 = %.0f µs (%.0f µs with the fdatasync at that cadence); coordd p50 %.0f µs (%s, %s)\n",
           f, r, b, c, p, (p <= b ? "within" : "over"), (p <= c ? "within" : "over")
  }'
fi
FLOOR_MS=$(fanout_floor_ms)
if [[ -n "$FLOOR_MS" ]]; then
  echo "loopback TCP floor of the fan-out (tcp-fanout-floor: one 300 B message to each of $WATCHERS connections, no HTTP): $FLOOR_MS ms"
fi
fi
if ((${#ERRORS[@]} > 0)); then
  echo
  echo "RUNS WITH ERRORS: ${!ERRORS[*]} (details above)"
fi

#!/usr/bin/env bash
# scale.sh — how far one machine goes: coordd against real etcd 3.4 (--enable-v2=true) in the
# same run, one member each, on loopback, with the cost per unit (bytes per key, per idle
# watcher, per idle connection) at two or three sizes so its growth shows. Slow (20-40 minutes
# in full), hence separate from compare.sh. Prints a markdown table and writes the figures and a
# gnuplot script (plots of RSS vs keys, memory per watcher, memory per connection) that it runs.
#
#   test/bench/scale.sh                  # full run
#   SCALE_QUICK=1 test/bench/scale.sh    # small sizes, a few minutes
#
# Rows:
#   keys      N keys (30 B key path, 128 B value) loaded by coord-bench --workload=load, in steps
#             (each size adds keys under a new prefix to the same member): load rate of the step,
#             RSS, (RSS - RSS empty) / N, data dir size, and the time from a restart (SIGTERM,
#             start again) until a GET of a key of the last step answers. etcd goes only as far
#             as memory allows: a step is skipped when its projected RSS (RSS per key so far x
#             N) would leave less than SCALE_MIN_AVAIL_MB of MemAvailable, and a watchdog stops
#             the server if MemAvailable falls under half of that during a step.
#   watchers  long polls on one key (coord-bench --workload=watch-fanout, one connection each),
#             a fresh member per count: server RSS with every watcher registered and idle minus
#             RSS before, per watcher; and PUT -> last watcher notified, median of the rounds.
#   conns     idle keep-alive connections (idle-connections processes, each connection has done
#             one GET), a fresh member per count: server RSS with all of them idle minus RSS
#             before, per connection. coordd closes a connection idle for 60 s, so RSS is read
#             as soon as every holder reports ready.
#   dir       GET ?recursive=true of a directory of SCALE_DIR_KEYS keys: median of 5 (after one
#             uncounted).
#   big       PUT and GET of 1 MiB values over SCALE_BIG_CONNECTIONS connections: req/s and the
#             server's CPU per request. The load is wrk (test/bench/wrk/big_put.lua, big_get.lua),
#             which reads answers without parsing them: coord-bench decodes every 1-2 MiB JSON
#             answer and, on the same cores, set both servers' rates (the client-bound figures
#             of test/bench/RESULTS.md before 2026-12-07's fourth pass).
#
# Environment (defaults in brackets; quick-mode defaults after the slash):
#   COORDD [stage/bin/coordd]  ETCD [/usr/bin/etcd]  BENCH, IDLE [found under bin/]
#   SCALE_KEYS [1000000 3000000 10000000 / 100000 300000 1000000]   coordd's key counts
#   SCALE_ETCD_KEYS [1000000 3000000 / 100000 300000]               etcd's (as far as it fits)
#   SCALE_COUNTS [5000 10000 18000 / 2000 5000]   watchers and connections
#   SCALE_ROUNDS [3]  SCALE_DIR_KEYS [100000 / 20000]
#   SCALE_BIG_CONNECTIONS [4]  SCALE_BIG_DURATION [10 / 3]  SCALE_BIG_VALUE [1048576]
#   SCALE_LOAD_CONNECTIONS [64]  SCALE_THREADS [2]  SCALE_PER_HOLDER [6000] connections per idle-connections process
#   SCALE_MIN_AVAIL_MB [3072]  SCALE_ROWS [keys watchers conns dir big]
#   SCALE_SERVERS [coordd etcd]  which servers run (e.g. coordd alone, to compare two builds)
#   SCALE_PLOTS [test/bench/plots; a temporary dir in quick mode]  where the .dat, .gp and .png go
#   SCALE_TMPDIR [/tmp]  SCALE_KEEP_LOGS [unset]
#
# The helpers for ports and members follow compare.sh's. Every process started here is killed
# by pid on exit; the data dirs are removed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COORDD=${COORDD:-$ROOT/stage/bin/coordd}
ETCD=${ETCD:-/usr/bin/etcd}
tool() { find "$ROOT/bin" -name "$1" -type f -perm -u+x 2>/dev/null | head -n 1 || true; }
BENCH=${BENCH:-$(tool coord-bench)}
IDLE=${IDLE:-$(tool idle-connections)}
QUICK=${SCALE_QUICK:-0}
if [[ "$QUICK" == 1 ]]; then
  KEYS=${SCALE_KEYS:-100000 300000 1000000}
  ETCD_KEYS=${SCALE_ETCD_KEYS:-100000 300000}
  COUNTS=${SCALE_COUNTS:-2000 5000}
  DIR_KEYS=${SCALE_DIR_KEYS:-20000}
  BIG_DURATION=${SCALE_BIG_DURATION:-3}
else
  KEYS=${SCALE_KEYS:-1000000 3000000 10000000}
  ETCD_KEYS=${SCALE_ETCD_KEYS:-1000000 3000000}
  COUNTS=${SCALE_COUNTS:-5000 10000 18000}
  DIR_KEYS=${SCALE_DIR_KEYS:-100000}
  BIG_DURATION=${SCALE_BIG_DURATION:-10}
fi
ROUNDS=${SCALE_ROUNDS:-3}
BIG_CONNECTIONS=${SCALE_BIG_CONNECTIONS:-4}
BIG_VALUE=${SCALE_BIG_VALUE:-1048576}
LOAD_CONNECTIONS=${SCALE_LOAD_CONNECTIONS:-64}
THREADS=${SCALE_THREADS:-2}
PER_HOLDER=${SCALE_PER_HOLDER:-6000}
MIN_AVAIL_MB=${SCALE_MIN_AVAIL_MB:-3072}
ROWS=" ${SCALE_ROWS:-keys watchers conns dir big} "
SERVERS=" ${SCALE_SERVERS:-coordd etcd} "
[[ "$SERVERS" == *" coordd "* || "$SERVERS" == *" etcd "* ]] || { echo "SCALE_SERVERS: coordd, etcd or both" >&2; exit 2; }

for f in "$COORDD" "$ETCD" "$BENCH" "$IDLE"; do
  [[ -n "$f" && -x "$f" ]] || { echo "scale.sh: missing executable '$f' (b2 -j2 variant=release stage test//benches)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "scale.sh: needs curl" >&2; exit 2; }
[[ "${SCALE_ROWS:-big}" != *big* ]] || command -v wrk >/dev/null || { echo "scale.sh: the big row needs wrk" >&2; exit 2; }

BENCH_TMPDIR=${SCALE_TMPDIR:-/tmp}
# shellcheck source=test/bench/bench_env.sh
source "$ROOT/test/bench/bench_env.sh"
bench_env_init scale "${SCALE_KEEP_LOGS:-}"
if [[ "$QUICK" == 1 ]]; then PLOTS=${SCALE_PLOTS:-$WORK/plots}; else PLOTS=${SCALE_PLOTS:-$ROOT/test/bench/plots}; fi
mkdir -p "$PLOTS"

field() { tr '\t' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
avail_mb() { awk '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
LOADS=()
note_load() { LOADS+=("$(date +%H:%M) $(cut -d' ' -f1-3 /proc/loadavg)"); }

# start_server KIND NAME: one member of KIND (coordd|etcd) with its own data dir; sets URL, PORT,
# SERVER_PID, SERVER_CMD (for a restart) and DATA_DIR, and waits until it takes a PUT.
start_server() {
  local kind=$1 name=$2 bin peer
  bin=$([[ $kind == coordd ]] && echo "$COORDD" || echo "$ETCD")
  PORT=$(free_port)
  URL="http://127.0.0.1:$PORT"
  peer="http://127.0.0.1:$(free_port)"
  DATA_DIR="$WORK/$name"
  SERVER_CMD="$bin --name m0 --data-dir $DATA_DIR --listen-client-urls $URL --advertise-client-urls $URL"
  SERVER_CMD+=" --listen-peer-urls $peer --initial-advertise-peer-urls $peer --initial-cluster m0=$peer"
  SERVER_CMD+=" --initial-cluster-state new --initial-cluster-token scale-$name-$RANDOM --enable-v2=true"
  SERVER_NAME=$name
  launch
  wait_ready "$URL/v2/keys/scale-ready" -XPUT -d value=1
}

# launch: starts SERVER_CMD, its output appended to $LOGS/SERVER_NAME.log; sets SERVER_PID.
launch() {
  # shellcheck disable=SC2086
  $SERVER_CMD >>"$LOGS/$SERVER_NAME.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

# wait_ready URL [CURL ARGS]: polls (every 5 ms, up to 600 s) until the request succeeds.
wait_ready() {
  local url=$1 deadline=$((SECONDS + 600)); shift
  until curl -sf -m 2 "$@" "$url" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$SERVER_NAME exited (see its log)"; return 1; }
    ((SECONDS < deadline)) || { log "$SERVER_NAME: no answer at $url"; return 1; }
    sleep 0.005
  done
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$DATA_DIR"
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {  # utime + stime of PID, every thread (fields 14 and 15 of /proc/PID/stat)
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo $((${12} + ${13}))
}

# bench NAME ARGS...: coord-bench --format=tsv; its measured line in LINE, output in the logs.
declare -A ERRORS=()
LINE=""
bench() {
  local name=$1 out rc=0 errors; shift
  out=$("$BENCH" --format=tsv --threads="$THREADS" "$@" 2>"$LOGS/bench-$name.err") || rc=$?
  echo "$out" >"$LOGS/bench-$name.tsv"
  LINE=$(grep 'phase=measure' <<<"$out" | tail -n 1 || true)
  errors=$(grep -o 'errors=[0-9]*' <<<"$out" | awk -F= '{ s += $2 } END { print s + 0 }')
  if ((rc != 0 || errors > 0)); then
    ERRORS[$name]=$errors
    log "$name: coord-bench exit $rc, $errors errors:"
    sed 's/^/    /' "$LOGS/bench-$name.err" | head -n 10 >&2
  fi
}

declare -A R=()  # R[kind,row,size] = figure

# ---------------------------------------------------------------- keys
# Stops the server if MemAvailable falls under half the margin while it loads (the machine has no
# swap: running out would take the OOM killer to whatever is biggest, other people's work included).
memory_watchdog() {
  local pid=$1
  while kill -0 "$pid" 2>/dev/null; do
    if (($(avail_mb) < MIN_AVAIL_MB / 2)); then
      echo "[$(date +%H:%M:%S)] MemAvailable $(avail_mb) MB: stopping pid $pid" >&2
      kill -KILL "$pid" 2>/dev/null
      return
    fi
    sleep 1
  done
}

run_keys() {
  local kind=$1 sizes=$2 prev=0 step=0 n add base line rss key t0 watchdog
  log "$kind: keys ($sizes)"
  start_server "$kind" "$kind-keys"
  base=$(rss_kb "$SERVER_PID")
  for n in $sizes; do
    add=$((n - prev)); step=$((step + 1))
    if ((prev > 0)); then
      # From the RSS right after the last step's load: a restarted server holds less until it
      # has taken writes again, and would understate the cost per key.
      local grow_mb=$(((R[$kind,rss,$prev] * 1024 - base) * add / prev / 1024))
      if (($(avail_mb) - grow_mb < MIN_AVAIL_MB)); then
        log "$kind: $n keys skipped: about $grow_mb MB more would leave under $MIN_AVAIL_MB MB available ($(avail_mb) MB now)"
        R[$kind,skip]="$n (needs about $grow_mb MB more, $(avail_mb) MB available)"
        break
      fi
    fi
    memory_watchdog "$SERVER_PID" & watchdog=$!
    PIDS+=("$watchdog")
    bench "$kind-load-$n" --endpoints="$URL" --workload=load --keys="$add" --key-size=30 --value-size=128 \
      --connections="$LOAD_CONNECTIONS" --prefix="/s$step"
    line=$LINE
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "$kind: server gone while loading $n keys"; R[$kind,skip]="$n (stopped while loading)"; kill "$watchdog" 2>/dev/null; break
    fi
    rss=$(rss_kb "$SERVER_PID")
    R[$kind,rate,$n]=$(field rps "$line")
    R[$kind,rss,$n]=$((rss / 1024))
    R[$kind,perkey,$n]=$(((rss - base) * 1024 / n))
    R[$kind,disk,$n]=$(du -sm "$DATA_DIR" | cut -f1)
    log "$kind: $n keys: step of $add at $(field rps "$line") /s, RSS ${R[$kind,rss,$n]} MB (${R[$kind,perkey,$n]} B/key), data dir ${R[$kind,disk,$n]} MB"
    key=$(printf '/s%d/k%0*d' "$step" $((30 - 4 - ${#step})) 7)
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    kill "$watchdog" 2>/dev/null || true; wait "$watchdog" 2>/dev/null || true
    t0=$(now_ns)
    launch
    wait_ready "$URL/v2/keys$key" || { R[$kind,skip]="$n (did not restart)"; break; }
    R[$kind,restart,$n]=$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
    R[$kind,rss2,$n]=$(($(rss_kb "$SERVER_PID") / 1024))
    log "$kind: $n keys: restart to serving ${R[$kind,restart,$n]} s, RSS after restart ${R[$kind,rss2,$n]} MB"
    printf '%s\t%s\t%s\n' "$n" "${R[$kind,rss,$n]}" "${R[$kind,perkey,$n]}" >>"$PLOTS/keys-$kind.dat"
    prev=$n
    note_load
  done
  stop_server
}

# ---------------------------------------------------------------- watchers
run_watchers() {
  local kind=$1 n base rss pid err deadline
  for n in $COUNTS; do
    log "$kind: $n watchers"
    start_server "$kind" "$kind-watch-$n"
    curl -sf -XPUT "$URL/v2/keys/w/fanout" -d value=0 >/dev/null
    base=$(rss_kb "$SERVER_PID")
    err="$LOGS/bench-$kind-watch-$n.err"
    "$BENCH" --format=tsv --threads="$THREADS" --endpoints="$URL" --workload=watch-fanout --prefix=/w \
      --watchers="$n" --rounds="$ROUNDS" --idle=3 >"$LOGS/bench-$kind-watch-$n.tsv" 2>"$err" &
    pid=$!
    PIDS+=("$pid")
    deadline=$((SECONDS + 180))
    until grep -q 'registered, idle' "$err" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)) || break
      sleep 0.05
    done
    sleep 1  # every watcher registered (the bench saw them in /v2/stats/store): let the server settle
    rss=$(rss_kb "$SERVER_PID")
    wait "$pid" || ERRORS[$kind-watch-$n]=1
    LINE=$(grep 'phase=measure' "$LOGS/bench-$kind-watch-$n.tsv" | tail -n 1 || true)
    R[$kind,wmem,$n]=$(((rss - base) * 1024 / n))
    R[$kind,wtime,$n]=$(awk -v us="$(field last_p50_us "$LINE")" 'BEGIN { if (us != "") printf "%.1f", us / 1000 }')
    log "$kind: $n watchers: ${R[$kind,wmem,$n]} B per idle watcher, PUT -> last notified ${R[$kind,wtime,$n]} ms"
    printf '%s\t%s\t%s\n' "$n" "${R[$kind,wmem,$n]}" "${R[$kind,wtime,$n]}" >>"$PLOTS/watchers-$kind.dat"
    stop_server
  done
  note_load
}

# ---------------------------------------------------------------- idle connections
run_conns() {
  local kind=$1 n base rss holders h per pid out ok
  for n in $COUNTS; do
    log "$kind: $n idle connections"
    start_server "$kind" "$kind-conns-$n"
    curl -sf "$URL/v2/keys/" >/dev/null
    base=$(rss_kb "$SERVER_PID")
    holders=$(((n + PER_HOLDER - 1) / PER_HOLDER))
    local hp=()
    for ((h = 0; h < holders; h++)); do
      per=$((n / holders + (h < n % holders ? 1 : 0)))
      "$IDLE" 127.0.0.1 "$PORT" "$per" /v2/keys/ >"$LOGS/idle-$kind-$n-$h.out" 2>&1 &
      pid=$!
      PIDS+=("$pid"); hp+=("$pid")
    done
    ok=1
    for ((h = 0; h < holders; h++)); do
      out="$LOGS/idle-$kind-$n-$h.out"
      until grep -q '^ready' "$out" 2>/dev/null; do
        kill -0 "${hp[h]}" 2>/dev/null || { ok=0; log "idle-connections failed: $(cat "$out")"; break; }
        sleep 0.05
      done
    done
    sleep 1
    rss=$(rss_kb "$SERVER_PID")
    for pid in "${hp[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    if ((ok)); then
      R[$kind,cmem,$n]=$(((rss - base) * 1024 / n))
      log "$kind: $n idle connections: ${R[$kind,cmem,$n]} B each"
      printf '%s\t%s\n' "$n" "${R[$kind,cmem,$n]}" >>"$PLOTS/conns-$kind.dat"
    else
      ERRORS[$kind-conns-$n]=1
    fi
    stop_server
  done
  note_load
}

# ---------------------------------------------------------------- recursive GET, 1 MiB values
run_dir_and_big() {
  local kind=$1 i times before after line
  start_server "$kind" "$kind-dir"
  if [[ "$ROWS" == *" dir "* ]]; then
    log "$kind: recursive GET of $DIR_KEYS keys"
    bench "$kind-dirload" --endpoints="$URL" --workload=load --keys="$DIR_KEYS" --key-size=30 --value-size=128 \
      --connections="$LOAD_CONNECTIONS" --prefix=/dir
    # The uncounted first GET keeps the answer (its size is printed); the timed ones go to
    # /dev/null, so that writing 22 MB to a file is not counted as the server's time (it added
    # ~10 ms to both servers' figures).
    curl -sf -o "$WORK/dir.json" "$URL/v2/keys/dir?recursive=true" || true
    times=""
    for i in 1 2 3 4 5; do
      times+=$(curl -sf -o /dev/null -w '%{time_total}\n' "$URL/v2/keys/dir?recursive=true" || echo "")
      times+=$'\n'
    done
    R[$kind,dir]=$(grep . <<<"$times" | awk '{ print $1 * 1000 }' | median)
    R[$kind,dirbytes]=$(stat -c %s "$WORK/dir.json" 2>/dev/null || echo 0)
    log "$kind: recursive GET ${R[$kind,dir]} ms (${R[$kind,dirbytes]} bytes)"
  fi
  if [[ "$ROWS" == *" big "* ]]; then
    log "$kind: $BIG_VALUE-byte values"
    # PUT first: the GET row reads the 16 keys it wrote.
    for w in put get; do
      local out requests bad
      before=$(cpu_ticks "$SERVER_PID")
      out=$(BIG_VALUE=$BIG_VALUE wrk -t2 -c"$BIG_CONNECTIONS" -d"${BIG_DURATION}s" \
        -s "$ROOT/test/bench/wrk/big_$w.lua" "$URL" 2>&1) || true
      after=$(cpu_ticks "$SERVER_PID")
      echo "$out" >"$LOGS/wrk-$kind-big$w.txt"
      requests=$(awk '/ requests in / { print $1 }' <<<"$out")
      # wrk counts any answer as a request: one that is not 2xx makes the row void.
      bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
      if [[ -z "$requests" || -n "$bad" ]]; then
        ERRORS[$kind-big$w]=${bad:-wrk failed}
        log "$kind-big$w: ${bad:-no} non-2xx answers; wrk said:"
        sed 's/^/    /' <<<"$out" | head -n 12 >&2
        continue
      fi
      R[$kind,big$w]=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
      R[$kind,big${w}cpu]=$(awk -v b="$before" -v a="$after" -v n="$requests" -v hz="$CLK_TCK" \
        'BEGIN { if (n > 0) printf "%.2f", (a - b) * 1000 / hz / n }')
      log "$kind: big $w ${R[$kind,big$w]} req/s, ${R[$kind,big${w}cpu]} ms CPU per request"
    done
  fi
  stop_server
  note_load
}

# ---------------------------------------------------------------- the run
START=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
note_load
log "coordd $COORDD, etcd $ETCD ($("$ETCD" --version | head -n 1)), bench $BENCH"
log "work dir $WORK; plots in $PLOTS; MemAvailable $(avail_mb) MB; rows:$ROWS"
# Only the rows this run measures replace their data and plots: a run of "dir big" leaves the
# committed curves of the other rows alone.
declare -A PLOT_OF_ROW=([keys]=rss-vs-keys [watchers]=memory-per-watcher [conns]=memory-per-connection)
PLOTTED=0
for row in keys watchers conns; do
  if [[ "$ROWS" == *" $row "* ]]; then
    rm -f "$PLOTS/$row"-*.dat "$PLOTS/${PLOT_OF_ROW[$row]}.png"
    PLOTTED=1
  fi
done
if [[ "$ROWS" == *" keys "* ]]; then
  [[ "$SERVERS" == *" coordd "* ]] && run_keys coordd "$KEYS"
  [[ "$SERVERS" == *" etcd "* ]] && run_keys etcd "$ETCD_KEYS"
fi
if [[ "$ROWS" == *" watchers "* ]]; then for kind in $SERVERS; do run_watchers "$kind"; done; fi
if [[ "$ROWS" == *" conns "* ]]; then for kind in $SERVERS; do run_conns "$kind"; done; fi
if [[ "$ROWS" == *" dir "* || "$ROWS" == *" big "* ]]; then for kind in $SERVERS; do run_dir_and_big "$kind"; done; fi

# ---------------------------------------------------------------- the table
ratio() { awk -v c="$1" -v e="$2" 'BEGIN { if (c != "" && e != "" && e > 0) printf "%.2f", c / e; else print "n/a" }'; }
v() { echo "${R[$1]:-—}"; }
goal() {  # goal VALUE OP LIMIT: yes / no / n/a
  awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN { if (x == "" || x == "n/a" || x == "—") { print "n/a"; exit }
    ok = (op == "<=") ? x + 0 <= l + 0 : x + 0 >= l + 0; print ok ? "yes" : "no" }'
}

echo
echo "scale.sh — coordd vs etcd 3.4, one member each — started $START, ended $(date -u '+%H:%M:%S UTC')"
echo "load average (1, 5, 15 min) through the run: $(printf '%s; ' "${LOADS[@]}")"
echo "nproc $(nproc); MemTotal $(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo); CLK_TCK $CLK_TCK"
echo "Rates and latencies share 2 cores with the load generator and whatever else runs: noisy."
if [[ "$ROWS" == *" keys "* ]]; then
  echo
  echo "Keys (30 B key path, 128 B value), loaded with $LOAD_CONNECTIONS connections; per key = (RSS - RSS empty) / keys"
  echo
  echo "| keys | server | load rate of the step (noisy) | RSS | bytes per key | data dir | restart to serving | RSS after restart |"
  echo "|---|---|---|---|---|---|---|---|"
  for n in $(printf '%s\n' $KEYS $ETCD_KEYS | sort -gu); do
    for kind in coordd etcd; do
      [[ -n "${R[$kind,rss,$n]:-}" ]] || continue
      echo "| $n | $kind | $(v "$kind,rate,$n") /s | $(v "$kind,rss,$n") MB | $(v "$kind,perkey,$n") B | $(v "$kind,disk,$n") MB | $(v "$kind,restart,$n") s | $(v "$kind,rss2,$n") MB |"
    done
  done
  [[ -n "${R[etcd,skip]:-}" ]] && echo "etcd stopped before ${R[etcd,skip]}"
  [[ -n "${R[coordd,skip]:-}" ]] && echo "coordd stopped before ${R[coordd,skip]}"
  last=$(printf '%s\n' $KEYS | tail -n 1)
  echo
  echo "Goal at $last keys: coordd RSS ≤ 3584 MB: $(v "coordd,rss,$last") MB, $(goal "${R[coordd,rss,$last]:-}" '<=' 3584);" \
    "restart ≤ 10 s: $(v "coordd,restart,$last") s, $(goal "${R[coordd,restart,$last]:-}" '<=' 10)"
fi
if [[ "$ROWS" == *" watchers "* || "$ROWS" == *" conns "* ]]; then
  echo
  echo "Watchers (long polls on one key, one connection each) and idle keep-alive connections: server RSS delta / N"
  echo
  echo "| N | watcher memory coordd | etcd | PUT → last notified coordd (median of $ROUNDS, noisy) | etcd | ratio (goal ≤ 0.5) | connection memory coordd | etcd |"
  echo "|---|---|---|---|---|---|---|---|"
  for n in $COUNTS; do
    echo "| $n | $(v "coordd,wmem,$n") B | $(v "etcd,wmem,$n") B | $(v "coordd,wtime,$n") ms | $(v "etcd,wtime,$n") ms |" \
      "$(ratio "${R[coordd,wtime,$n]:-}" "${R[etcd,wtime,$n]:-}") | $(v "coordd,cmem,$n") B | $(v "etcd,cmem,$n") B |"
  done
  last=$(printf '%s\n' $COUNTS | tail -n 1)
  echo
  echo "Goals at $last: ≤ 2048 B per idle watcher: $(goal "${R[coordd,wmem,$last]:-}" '<=' 2048);" \
    "≤ 2048 B per idle connection: $(goal "${R[coordd,cmem,$last]:-}" '<=' 2048)"
  # mb_at_100k KEY: the per-unit cost R[KEY] times 100,000 in MB, "—" when the row did not run.
  mb_at_100k() { [[ -n "${R[$1]:-}" ]] && awk -v b="${R[$1]}" 'BEGIN { printf "%.0f MB", b * 1e5 / 1048576 }' || echo "—"; }
  echo "Projected to 100k (per-unit cost at $last x 100000; a process holds at most $(ulimit -Hn) descriptors here):" \
    "watchers coordd $(mb_at_100k "coordd,wmem,$last"), etcd $(mb_at_100k "etcd,wmem,$last");" \
    "connections coordd $(mb_at_100k "coordd,cmem,$last"), etcd $(mb_at_100k "etcd,cmem,$last")"
fi
if [[ "$ROWS" == *" dir "* || "$ROWS" == *" big "* ]]; then
  echo
  echo "| row | coordd | etcd | coordd/etcd | goal | met |"
  echo "|---|---|---|---|---|---|"
  if [[ "$ROWS" == *" dir "* ]]; then
    r=$(ratio "${R[coordd,dir]:-}" "${R[etcd,dir]:-}")
    echo "| GET ?recursive=true of $DIR_KEYS keys, median of 5 (noisy); answer bytes $(v coordd,dirbytes) / $(v etcd,dirbytes) | $(v coordd,dir) ms | $(v etcd,dir) ms | $r | ≤ 0.5 | $(goal "$r" '<=' 0.5) |"
  fi
  if [[ "$ROWS" == *" big "* ]]; then
    for w in put get; do
      r=$(ratio "${R[coordd,big$w]:-}" "${R[etcd,big$w]:-}")
      echo "| ${w^^} of $BIG_VALUE-byte values, $BIG_CONNECTIONS connections, ${BIG_DURATION} s (noisy) | $(v "coordd,big$w") req/s | $(v "etcd,big$w") req/s | $r | ≥ 1.5 | $(goal "$r" '>=' 1.5) |"
      r=$(ratio "${R[coordd,big${w}cpu]:-}" "${R[etcd,big${w}cpu]:-}")
      echo "| server CPU per ${w^^} of $BIG_VALUE bytes | $(v "coordd,big${w}cpu") ms | $(v "etcd,big${w}cpu") ms | $r | — | |"
    done
  fi
fi
if ((${#ERRORS[@]} > 0)); then
  echo
  echo "RUNS WITH ERRORS: ${!ERRORS[*]} (see the log above)"
fi

# ---------------------------------------------------------------- the plots
# scale.gp reads the .dat files written above (tab-separated: N, figures); a rerun remakes both.
# A plot is in the script only when the run wrote its figures (SCALE_ROWS may leave rows out).
# plot_of NAME PNG TITLE XLABEL YLABEL XEXPR: NAME-coordd.dat beside NAME-etcd.dat, into PNG.png.
plot_of() {
  local name=$1 out=$2 title=$3 xlabel=$4 ylabel=$5 x=$6
  [[ -s "$PLOTS/$name-coordd.dat" && -s "$PLOTS/$name-etcd.dat" ]] || return 0
  printf 'set output "%s.png"\nset title "%s"\nset xlabel "%s"; set ylabel "%s"\n' "$out" "$title" "$xlabel" "$ylabel"
  printf 'plot "%s-coordd.dat" using (%s):2 with linespoints title "coordd", \\\n' "$name" "$x"
  printf '     "%s-etcd.dat" using (%s):2 with linespoints title "etcd 3.4"\n' "$name" "$x"
}
{
  echo "# Written by test/bench/scale.sh from its own figures (the .dat files beside this one)."
  echo "set terminal pngcairo size 800,500 noenhanced"
  echo "set grid"
  echo "set key top left"
  echo 'set datafile separator "\t"'
  echo "set yrange [0:*]"
  plot_of keys rss-vs-keys "RSS after loading N keys (30 B key, 128 B value), one member" "keys (millions)" "RSS (MB)" '$1/1e6'
  plot_of watchers memory-per-watcher "Server memory per idle long-poll watcher (RSS delta / N)" "watchers on one key" "bytes per watcher" '$1'
  plot_of conns memory-per-connection "Server memory per idle keep-alive connection (RSS delta / N)" "connections" "bytes per connection" '$1'
} >"$PLOTS/scale.gp"
if ((PLOTTED == 0)); then
  echo; echo "no plotted row (keys, watchers, conns) in this run: plots in $PLOTS left as they were"
elif command -v gnuplot >/dev/null; then
  if (cd "$PLOTS" && gnuplot scale.gp 2>"$LOGS/gnuplot.err"); then
    echo; echo "plots: $(cd "$PLOTS" && ls -- *.png | tr '\n' ' ')in $PLOTS"
  else
    echo; echo "gnuplot failed:"; cat "$LOGS/gnuplot.err"
  fi
else
  echo; echo "no gnuplot (apt-get install gnuplot-nox): $PLOTS/scale.gp not run"
fi

# bench_env.sh — what compare.sh and scale.sh share, sourced by both after their settings:
# a work directory with a private copy of coordd, the cleanup that kills every process they
# started (by pid, from PIDS) and removes it, the open-file limit, log lines and free ports.
#
#   bench_env_init NAME KEEP_LOGS_DIR   # NAME names the work dir (/tmp/coord-NAME.XXXXXX under
#                                       # ${BENCH_TMPDIR:-/tmp}); logs are copied to KEEP_LOGS_DIR
#                                       # on exit when it is not empty
# Sets WORK, LOGS and COORDD (the copy); the caller appends every pid it starts to PIDS.

bench_env_init() {
  local name=$1
  BENCH_KEEP_LOGS=$2
  WORK=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/coord-$name.XXXXXX")
  LOGS=$WORK/logs
  mkdir -p "$LOGS"
  # A private copy, so a rebuild by someone else during the run cannot change the binary measured.
  cp "$COORDD" "$WORK/coordd"
  COORDD=$WORK/coordd
  PIDS=()
  trap bench_env_cleanup EXIT
  trap 'exit 130' INT TERM
  # The descriptors of many watchers and connections (client and server side) need a high
  # open-file limit.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

bench_env_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$BENCH_KEEP_LOGS" ]]; then mkdir -p "$BENCH_KEEP_LOGS" && cp -r "$LOGS"/. "$BENCH_KEEP_LOGS"/; fi
  rm -rf "$WORK"
}

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now_ns() { date +%s%N; }

# Random ports below the kernel's ephemeral range (32768 and up by default, so no outgoing
# connection takes one meanwhile) that nothing answers on; remembered so no two collide.
USED_PORTS=" "
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break  # refused: free
  done
  USED_PORTS+="$p "
  echo "$p"
}
